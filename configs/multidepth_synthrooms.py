# MultiDepth on SynthRooms, sized to train on a 2-core CPU in about five minutes: learned
# (Kendall) weighting of normalised log depth regression and 32-interval classification, both
# outputs evaluated. Same recipe as configs/multidepth_kitti.py (random patches and flips, no
# scaling, PSP decoder per task on a dilated ResNet at output stride 8, Adam with weight decay
# 1e-4 and poly decay) with a small backbone, 64×64 patches and 600 iterations. Indoor bounds
# for Eq. 2: SynthRooms depth lies between about 0.8 and 8.5 m (clipped at 10 m), so, following
# the paper's rule (a tight lower bound, a generous upper one), d_min = 0.5 m and d_max = 12 m.
# The learning rate comes from tools/lr_finder.py on this config (docs/multidepth.md).
_base_ = [
    '_base_/models/multidepth_psp.py',
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/multidepth_poly.py',
    '_base_/default_runtime.py',
]

d_min, d_max, n_cls = 0.5, 12.0, 32
nlog_target = dict(type='DepthToNormalizedLog', d_min=d_min, d_max=d_max)
interval_target = dict(type='DepthToIntervals', num_bins=n_cls, d_min=d_min, d_max=d_max,
                       spacing='normalized_log')

crop_size = (64, 64)
augmentation = [dict(type='RandomCrop', size=crop_size),
                dict(type='RandomHorizontalFlip', prob=0.5)]
train_pipeline = augmentation + [nlog_target, interval_target]
train_dataloader = dict(batch_size=8, dataset=dict(tasks=('depth',), pipeline=train_pipeline))
# The single-task rows (multidepth_synthrooms_{regression,classification}_only.py) pick one.
regression_pipeline = augmentation + [nlog_target]
classification_pipeline = augmentation + [interval_target]
val_dataloader = dict(dataset=dict(tasks=('depth',)))
test_dataloader = dict(dataset=dict(tasks=('depth',)))

model = dict(
    backbone=dict(model_name='resnet10t'),
    tasks=dict(
        depth=dict(branch=dict(channels=128),
                   head=dict(d_min=d_min, d_max=d_max, init_depth=3.0)),
        depth_cls=dict(branch=dict(channels=128),
                       head=dict(num_bins=n_cls, d_min=d_min, d_max=d_max),
                       auxiliary=False)))

max_iters = 600
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=max_iters),
]
default_hooks = dict(checkpoint=dict(interval=max_iters), logger=dict(interval=50))

# Both read the depth range from the dataset's metainfo.
depth_evaluator = dict(type='DepthMetric')
cls_evaluator = dict(type='DepthMetric', task='depth_cls', prefix='depth_cls')
val_evaluator = [depth_evaluator, cls_evaluator]
test_evaluator = val_evaluator
