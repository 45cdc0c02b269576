# Shared part of the PAD-Net distillation ladder on SynthRooms (Tables 1 and 6 of Xu et al.,
# CVPR 2018, CPU-sized): ResNet-10t from scratch at output stride 8, N = 64 (final decoders
# 64-32-16, intermediate normals and contours 32), 48x64 images, the 13 classes, all four
# targets exact (SynthRooms renders normals and contours). One schedule for every row: 150
# iterations of batch 8, SGD momentum 0.9 lr 1e-2 with poly decay, end to end in one phase (the
# paper's two phases and lr 1e-5 are for an ImageNet-initialised front end; see docs/padnet.md).
# This file is the full model, Distillation C + DE + SP; each row config changes what its row
# changes, reading the pieces defined here.
_base_ = [
    '../_base_/models/padnet_resnet50.py',
    '../_base_/datasets/synthrooms.py',
    '../_base_/default_runtime.py',
]
N = 64
img_size = (48, 64)
final_branch = dict(type='DeconvDecoder', channels=(N, N // 2, N // 4))
intermediate_branch = dict(type='DeconvDecoder', channels=(N,))
auxiliary_branch = dict(type='DeconvDecoder', channels=(N // 2,))
depth_head = dict(type='DepthHead', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})
seg_head = dict(type='SegHead', num_classes={{_base_.num_classes}})
normals_task = dict(branch=auxiliary_branch, head=dict(type='NormalHead'), auxiliary=True)
contours_task = dict(branch=auxiliary_branch, head=dict(type='ContourHead'), auxiliary=True)
# pieces of the rows (configs/padnet_ablation/synthrooms_*.py)
de_tasks = dict(seg=dict(branch=intermediate_branch, deep_supervision=(), auxiliary=True))

model = dict(
    backbone=dict(model_name='resnet10t', pretrained=False),
    neck=dict(channels=32),
    tasks=dict(
        depth=dict(branch=final_branch, head=depth_head),
        seg=dict(branch=final_branch, head=seg_head),
        normals=normals_task,
        contours=contours_task))

max_iters = 150
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    paramwise_cfg=dict(named_groups=True),  # as TrainingStagesHook needs (padnet_synthrooms.py)
    optimizer=dict(type='SGD', lr=1e-2, momentum=0.9, weight_decay=5e-4))
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, end=max_iters)]
default_hooks = dict(checkpoint=dict(interval=max_iters))

tasks = ('depth', 'seg', 'normals', 'contours')
train_dataloader = dict(dataset=dict(img_size=img_size, tasks=tasks,
                                     pipeline=[dict(type='RandomHorizontalFlip', prob=0.5)]))
val_dataloader = dict(dataset=dict(img_size=img_size, tasks=('depth', 'seg')))
test_dataloader = dict(dataset=dict(img_size=img_size, tasks=('depth', 'seg')))
