# KITTI depth prediction benchmark (Uhrig et al. 2017), MultiDepth's protocol: train on the full
# annotated training set with random square crops and horizontal flips (no scaling), validate and
# test on the 1000 full-size frames of val_selection_cropped. Layout: docs/datasets.md (KITTI section).
#
# mmengine evaluates `train_pipeline` when this file is read, so a variant with another patch
# size sets `crop_size` and rebuilds the pipeline (3 lines, see docs/datasets.md (KITTI section)).
dataset_type = 'KITTIDepthDataset'
data_root = 'data/kitti/'
crop_size = 256  # MultiDepth: 128 or 256 px square patches

# The dataset's values, stated once: they reach the dataset's metainfo (and from there the
# metrics, the visualisation and every checkpoint's meta); model configs refer to them as
# {{_base_.min_depth}}, {{_base_.max_depth}}. KITTI has no semantic classes.
min_depth, max_depth = 1e-3, 80.0  # metres: the benchmark's evaluated range
metainfo = dict(classes=(), palette=(), depth_range=(min_depth, max_depth), ignore_index=255)

train_pipeline = [
    dict(type='RandomCrop', size=(crop_size, crop_size)),
    dict(type='RandomHorizontalFlip', prob=0.5),
]
test_pipeline = []  # full frames; sizes differ between recording days, hence batch size 1

split_dataset = dict(type=dataset_type, data_root=data_root, metainfo=metainfo)
split_loader = dict(persistent_workers=True, collate_fn=dict(type='mtl_collate'))
train_dataloader = dict(
    split_loader, batch_size=4, num_workers=4, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(split_dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    split_loader, batch_size=1, num_workers=2, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split_dataset, split='val_selection', pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='DepthMetric', crop=None, max_depth=max_depth)
test_evaluator = val_evaluator
