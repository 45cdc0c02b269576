# NYUD-MT: NYU Depth v2 with the four dense tasks of the multi-task literature (Xu et al. 2018;
# Vandenhende et al. 2020, 2021): depth, 40-class segmentation, surface normals and edges, read
# from the NYUD_MT release (gt_sets/, images/, depth/, segmentation/, normals/, edge/; see
# docs/datasets.md). Train on the 795 training frames; validate and test on the 654 test frames
# (the release's val.txt), as the survey does.
# The 40 classes, their palette and NYU's depth range are those of nyud2_40c.py (stated there).
# Training (survey protocol): random scales {1, 1.2, 1.5} with depth divided by the scale, crops
# of 425x560, horizontal flips; testing on the full 480x640 frame. Depth is scored on every
# valid pixel (no Eigen crop, as the survey scores it), normals by their angle, edges by the
# tolerant boundary F-score.
_base_ = './nyud2_40c.py'

data_root = 'data/NYUD_MT'
split_dataset = dict(data_root=data_root, layout='nyud_mt')
crop_size = (425, 560)
train_pipeline = [
    dict(type='RandomScaleCrop', choices=(1.0, 1.2, 1.5), crop_size=crop_size),
    dict(type='RandomHorizontalFlip', prob=0.5),
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(split_dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(split_dataset, split='test', pipeline=[]))
test_dataloader = val_dataloader

# One evaluator per task, so that a config predicting fewer tasks (a single-task baseline)
# picks its own: val_evaluator = [{{_base_.evaluators.depth}}].
evaluators = dict(
    depth=dict(type='DepthMetric', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}}),
    seg=dict(type='SegMetric', num_classes={{_base_.num_classes}},
             class_names={{_base_.class_names}}),
    normals=dict(type='NormalMetric'),
    contours=dict(type='BoundaryFMetric'))
val_evaluator = list(evaluators.values())
test_evaluator = val_evaluator
