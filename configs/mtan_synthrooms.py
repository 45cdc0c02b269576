# MTAN (Liu, Johns & Davison, CVPR 2019): the shared ResNet-18 of hard sharing, with a
# task-specific soft-attention path over its four stages, then a light decoder per task.
# Block j's attention reads u^(j) = the stage's first residual block and masks the stage's
# output p^(j) (the ResNet reading of the MTL survey: all blocks but the last, then the
# last). Depth + segmentation on SynthRooms, on a CPU.
_base_ = [
    '_base_/models/hps_light.py',
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/adamw_poly_cpu.py',
    '_base_/default_runtime.py',
]
stages = (1, 2, 3, 4)
attention = dict(
    type='MTANAttention', after_stage=0, tasks=('depth', 'seg'), reduction=4,
    inputs=dict(u=[f'backbone:body.layer{j}.0' for j in stages],
                p=[f'backbone:body.layer{j}' for j in stages]))

model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    interactions=dict(attention=attention))
