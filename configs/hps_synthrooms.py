# The main job: depth + semantic segmentation with a shared backbone and fixed loss
# weights, trained from scratch on SynthRooms in a few minutes on a 2-core CPU.
# ResNet-18 at half its width (32-64-128-256 channels) for 1900 iterations: 0.39× the FLOPs
# per train step of the full width (10.3 against 26.5 GFLOP; backbone forward 0.28 against
# 0.89 GFLOP per image), 0.49× the training FLOPs of the full width's 1500 iterations, and
# better test quality on two seeds (docs/performance.md).
_base_ = [
    '_base_/models/hps_light.py',
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/adamw_poly_cpu.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone=dict(channels=(32, 64, 128, 256)),
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    test_cfg=dict(flip=True))  # average with the mirrored image at test time

max_iters = 1900
train_cfg = dict(max_iters=max_iters)
param_scheduler = [  # the schedule base's warm-up and decay, over this job's length
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', power=0.9, eta_min=1e-6, by_epoch=False, begin=100, end=max_iters),
]
