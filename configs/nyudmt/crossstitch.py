# Cross-stitch networks on NYUD-MT (Misra et al., CVPR 2016; the MTL survey's setting,
# Vandenhende et al., TPAMI 2021): one dilated ResNet-50 encoder per task (ImageNet weights
# through timm), a cross-stitch unit after each of its four stages (per channel, alpha
# initialised to 0.9 / 0.1), then the task's pyramid pooling decoder and head of the NYUD-MT
# model base. Misra et al. train alpha 10^2-10^3x faster with SGD; with the shared Adam
# schedule, whose step does not grow with the gradient, 10x (as configs/crossstitch_synthrooms.py).
# Train: python tools/train.py configs/nyudmt/crossstitch.py   (data: docs/datasets.md, NYUD-MT)
# Test:  python tools/test.py configs/nyudmt/crossstitch.py CHECKPOINT --baselines DIR
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
encoder = dict(type='TimmEncoderBranch', model_name='resnet50', pretrained=True,
               out_indices=(1, 2, 3, 4), output_stride=8)
branch = dict(type='ChainBranch', parts=[encoder, {{_base_.decoder}}])
stitch = dict(type='CrossStitchUnit', tasks=('depth', 'seg', 'normals', 'contours'),
              per_channel=True, alpha_same=0.9, alpha_cross=0.1, lr_mult=10.0)

model = dict(
    backbone=None,
    tasks=dict(
        depth=dict(branch=branch, head={{_base_.heads.depth}}),
        seg=dict(branch=branch, head={{_base_.heads.seg}}),
        normals=dict(branch=branch, head={{_base_.heads.normals}}),
        contours=dict(branch=branch, head={{_base_.heads.contours}})),
    interactions={f'stitch{k}': dict(stitch, after_stage=k) for k in (1, 2, 3, 4)},
    losses={{_base_.losses}},
    combiner=dict(type='FixedWeighting', weights={{_base_.loss_weights}}))
