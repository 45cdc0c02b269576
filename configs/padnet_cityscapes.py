# PAD-Net (Xu et al., CVPR 2018) on Cityscapes (fine annotations, 19 classes): ResNet-50 front
# end, output stride 8, Distillation C + DE + SP (Table 5, Fig. 5). Sec. 4.1: scales
# {0.5, 0.75, 1, 1.25, 1.75}, flips, 640 crops (configs/_base_/datasets/cityscapes.py); 40 epochs
# in two phases, 10 + 30 (our split). Depth comes from the disparity maps; normals and contours
# are derived from it and from the labels.
# Train: python tools/train.py configs/padnet_cityscapes.py (data: docs/datasets.md, Cityscapes).
_base_ = [
    './_base_/models/padnet_resnet50.py',
    './_base_/datasets/cityscapes.py',
    './_base_/schedules/padnet_two_phase.py',
    './_base_/default_runtime.py',
]
depth_head = dict(type='DepthHead', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}},
                  init_depth=20.0)
seg_head = dict(type='SegHead', num_classes={{_base_.num_classes}})
model = dict(tasks=dict(depth=dict(head=depth_head), seg=dict(head=seg_head)))

derived_targets = [dict(type='DepthToNormals'), dict(type='SegToContours')]
train_pipeline = [{{_base_.scale_crop}}, {{_base_.flip}}, *derived_targets]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

front_end_epochs = 10
joint_epochs = 30
train_cfg = dict(max_epochs=front_end_epochs + joint_epochs)
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=True, stages=[
        dict(name='front_end', length=front_end_epochs, lr={'': {{_base_.front_end_lr}}},
             frozen={{_base_.front_end_frozen}},
             loss_weights={{_base_.front_end_loss_weights}}),
        dict(name='joint', length=joint_epochs, lr={'': {{_base_.joint_lr}}}),
    ]),
]
