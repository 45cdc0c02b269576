# Cross-stitch networks (Misra et al., CVPR 2016) in their original form: one encoder per
# task, a cross-stitch unit after each encoder stage, alpha initialised to 0.9 / 0.1 and
# trained 10x faster than the rest (Misra et al. use 10^2-10^3 with SGD; with Adam, whose step
# size does not grow with the gradient, 10x already moves alpha quickly). Depth +
# segmentation on SynthRooms.
_base_ = [
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/adamw_poly_cpu.py',
    '_base_/default_runtime.py',
]
encoder = dict(type='TimmEncoderBranch', model_name='resnet10t', out_indices=(1, 2, 3, 4))
decoder = dict(type='LightDecoder', channels=(128, 64, 32, 32))
branch = dict(type='ChainBranch', parts=[encoder, decoder])
stitch = dict(type='CrossStitchUnit', tasks=('depth', 'seg'), per_channel=True,
              alpha_same=0.9, alpha_cross=0.1, lr_mult=10.0)

model = dict(
    type='MultiTaskModel',
    backbone=None,
    tasks=dict(
        depth=dict(branch=branch, head=dict(type='DepthHead', min_depth={{_base_.min_depth}},
                                            max_depth={{_base_.max_depth}})),
        seg=dict(branch=branch, head=dict(type='SegHead', num_classes={{_base_.num_classes}})),
    ),
    interactions={f'stitch{k}': dict(stitch, after_stage=k) for k in (1, 2, 3, 4)},
    losses={'depth.berhu': dict(type='BerHuLoss'), 'seg.ce': dict(type='CrossEntropyLoss')},
    combiner=dict(type='FixedWeighting'))
