# PAD-Net (Xu et al., CVPR 2018) on NYUD-v2 with 40 classes: ResNet-50 front end (ImageNet
# weights), output stride 8, Distillation C + DE + SP (Tables 1-4). Sec. 4.1: training crops of
# 560x425 (the valid region), random scales {1, 1.2, 1.5} with depth divided by the scale, flips;
# 60 epochs in two phases (configs/_base_/schedules/padnet_two_phase.py). Normals and contours
# are derived from the depth and the labels (Sec. 3.6). Test on the full 480x640 frame.
# Train: python tools/train.py configs/padnet_nyud2.py (data: docs/datasets.md); docs/padnet.md.
_base_ = [
    './_base_/models/padnet_resnet50.py',
    './_base_/datasets/nyud2_40c.py',
    './_base_/schedules/padnet_two_phase.py',
    './_base_/default_runtime.py',
]
depth_head = dict(type='DepthHead', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})
seg_head = dict(type='SegHead', num_classes={{_base_.num_classes}})
model = dict(tasks=dict(depth=dict(head=depth_head), seg=dict(head=seg_head)))

derived_targets = [dict(type='DepthToNormals'), dict(type='SegToContours')]
train_pipeline = [
    dict(type='Crop', box=(28, 40, 453, 600)),  # 425x560, centred
    dict(type='RandomScaleCrop', choices=(1.0, 1.2, 1.5), crop_size=(425, 560)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    *derived_targets,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=[]))
test_dataloader = val_dataloader
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=True, stages=[
        dict(name='front_end', length={{_base_.front_end_epochs}},
             lr={'': {{_base_.front_end_lr}}}, frozen={{_base_.front_end_frozen}},
             loss_weights={{_base_.front_end_loss_weights}}),
        dict(name='joint', length={{_base_.joint_epochs}}, lr={'': {{_base_.joint_lr}}}),
    ]),
]
