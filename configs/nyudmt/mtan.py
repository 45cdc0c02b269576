# MTAN on NYUD-MT (Liu, Johns & Davison, CVPR 2019; the ResNet form of the MTL survey,
# Vandenhende et al., TPAMI 2021): the shared dilated ResNet-50 of the NYUD-MT model base, a
# task-specific attention path over its four stages, then each task's pyramid pooling decoder
# and head. Stage j's mask reads u^(j), the stage without its last bottleneck (the survey's
# reading of "the first layer of the block"), and masks the stage's output p^(j); 1x1
# attention convolutions at a quarter of the stage's width, as the survey's ResNet MTAN.
# Train: python tools/train.py configs/nyudmt/mtan.py   (data: docs/datasets.md, NYUD-MT)
# Test:  python tools/test.py configs/nyudmt/mtan.py work_dirs/mtan/epoch_100.pth --baselines DIR
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
# ResNet-50 has 3, 4, 6 and 3 bottlenecks per stage: u^(j) ends at the one before the last.
u_blocks = ('layer1.1', 'layer2.2', 'layer3.4', 'layer4.1')
attention = dict(
    type='MTANAttention', after_stage=0, tasks=('depth', 'seg', 'normals', 'contours'),
    reduction=4,
    inputs=dict(u=[f'backbone:body.{block}' for block in u_blocks],
                p=[f'backbone:body.layer{j}' for j in (1, 2, 3, 4)]))

model = dict(
    tasks={{_base_.tasks}},
    interactions=dict(attention=attention),
    losses={{_base_.losses}},
    combiner=dict(type='FixedWeighting', weights={{_base_.loss_weights}}))
