# MultiDepth (Liebel & Körner 2019) on the KITTI depth prediction benchmark: 128×128 px random
# crops with horizontal flips, batch 32, depth in normalised log space with d_min = 2 m and
# d_max = 125 m (Eq. 2), 32 depth intervals uniform in that space, learned (Kendall) task
# weights, Adam 1e-4 with poly decay over 5e5 iterations. The classification branch is
# dropped at inference; configs/multidepth_ablation/ evaluates both outputs (Table 1).
_base_ = [
    '_base_/models/multidepth_psp.py',
    '_base_/datasets/kitti_depth.py',
    '_base_/schedules/multidepth_poly.py',
    '_base_/default_runtime.py',
]

# Eq. 2 bounds and the number of intervals: the one place for the transforms and the heads.
d_min, d_max, n_cls = 2.0, 125.0, 32
nlog_target = dict(type='DepthToNormalizedLog', d_min=d_min, d_max=d_max)
interval_target = dict(type='DepthToIntervals', num_bins=n_cls, d_min=d_min, d_max=d_max,
                       spacing='normalized_log')

crop_size = 128
augmentation = [dict(type='RandomCrop', size=(crop_size, crop_size)),
                dict(type='RandomHorizontalFlip', prob=0.5)]
train_pipeline = augmentation + [nlog_target, interval_target]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
# The single-task rows of Table 1 (configs/multidepth_ablation/) pick one of these.
regression_pipeline = augmentation + [nlog_target]
classification_pipeline = augmentation + [interval_target]

model = dict(tasks=dict(
    depth=dict(head=dict(d_min=d_min, d_max=d_max)),
    depth_cls=dict(head=dict(num_bins=n_cls, d_min=d_min, d_max=d_max))))

default_hooks = dict(checkpoint=dict(interval=5000))

# Keeping the classification branch as a second depth output (Sec. 2, Table 1): set
# model.tasks.depth_cls.auxiliary=False and add this metric (configs/multidepth_ablation/).
depth_evaluator = {{_base_.val_evaluator}}
cls_evaluator = dict(type='DepthMetric', task='depth_cls', prefix='depth_cls', crop=None,
                     max_depth={{_base_.max_depth}})
