# NDDR-CNN (Gao et al., CVPR 2019): one encoder per task and an NDDR layer after each encoder
# stage: per task, concatenate both tasks' features, 1x1 conv back to the task's width
# (initialised to 0.9 / 0.1 of the identity), BatchNorm, ReLU. The paper trains the NDDR
# layers 100x faster than the rest with SGD; with AdamW, whose step does not grow with the
# gradient, we use 10x as configs/crossstitch_synthrooms.py does. Depth + segmentation on
# SynthRooms, on a CPU.
_base_ = [
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/adamw_poly_cpu.py',
    '_base_/default_runtime.py',
]
encoder = dict(type='TimmEncoderBranch', model_name='resnet10t', out_indices=(1, 2, 3, 4))
decoder = dict(type='LightDecoder', channels=(128, 64, 32, 32))
branch = dict(type='ChainBranch', parts=[encoder, decoder])
nddr = dict(type='NDDRUnit', tasks=('depth', 'seg'), alpha_same=0.9, alpha_cross=0.1,
            lr_mult=10.0)

model = dict(
    type='MultiTaskModel',
    backbone=None,
    tasks=dict(
        depth=dict(branch=branch, head=dict(type='DepthHead', min_depth={{_base_.min_depth}},
                                            max_depth={{_base_.max_depth}})),
        seg=dict(branch=branch, head=dict(type='SegHead', num_classes={{_base_.num_classes}})),
    ),
    interactions={f'nddr{k}': dict(nddr, after_stage=k) for k in (1, 2, 3, 4)},
    losses={'depth.berhu': dict(type='BerHuLoss'), 'seg.ce': dict(type='CrossEntropyLoss')},
    combiner=dict(type='FixedWeighting'))
