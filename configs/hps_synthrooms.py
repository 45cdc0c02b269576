# The main job: depth + semantic segmentation with a shared backbone and fixed loss
# weights, trained from scratch on SynthRooms in a few minutes on a 2-core CPU.
_base_ = [
    '_base_/models/hps_light.py',
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/adamw_poly_cpu.py',
    '_base_/default_runtime.py',
]

model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    test_cfg=dict(flip=True))  # average with the mirrored image at test time
