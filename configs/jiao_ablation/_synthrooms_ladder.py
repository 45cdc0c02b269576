# Shared part of the Table 1 ladder on SynthRooms (Jiao et al., ECCV 2018): a CPU-sized version
# of the synergy network (ResNet-18 from scratch, decoder widths 128-64-32-16-16, the SUC's
# convolutions before its up-sampling), the four SynthRooms super-classes (floor, structure,
# furniture, prop: Table 1 uses NYU's 4 classes), and one schedule for every row: 300
# iterations of batch 8, Adam 1e-3, end to end, lr x0.1 after 3/4 of the iterations.
# This file is the full model; each row config removes what its row lacks.
_base_ = [
    '../_base_/models/jiao_resnet50.py',
    '../_base_/datasets/synthrooms.py',
    '../_base_/default_runtime.py',
]
num_classes = 4
depth_range = {{_base_.max_depth}}  # alpha_D of the depth-aware loss is d_gt / 10 m
channels = (128, 64, 32, 16, 16)
plain_decoder = dict(type='UpConvDecoder', channels=channels)
suc_decoder = dict(type='SemiDenseUpSkipDecoder', decoder=plain_decoder,
                   suc=dict(type='SemiDenseUpSkip', mode='sum', kernel_size=3, conv_first=True))
depth_head = dict(type='DepthHead', max_depth=depth_range)
depth_task = dict(branch=suc_decoder, head=depth_head)
seg_task = dict(branch=suc_decoder, head=dict(type='SegHead', num_classes=num_classes))
berhu_loss = dict(type='BerHuLoss', threshold=0.2)
depth_aware_loss = dict(type='DepthAwareLoss', max_depth=depth_range)
cross_entropy_loss = dict(type='CrossEntropyLoss')

model = dict(
    backbone=dict(model_name='resnet18', pretrained=False),
    tasks=dict(depth=depth_task, seg=seg_task),
    losses={'depth.da': dict(max_depth=depth_range)})

max_iters = 300
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    paramwise_cfg=dict(named_groups=True),  # as TrainingStagesHook needs (jiao_synthrooms.py)
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0))
param_scheduler = [dict(type='MultiStepLR', milestones=[225], gamma=0.1, by_epoch=False)]
custom_hooks = [dict(type='TargetCheckHook'), dict(type='PartialSupervisionHook')]

train_dataloader = dict(dataset=dict(num_classes=num_classes, tasks=('depth', 'seg')))
val_dataloader = dict(dataset=dict(num_classes=num_classes, tasks=('depth', 'seg')))
test_dataloader = dict(dataset=dict(num_classes=num_classes, tasks=('depth', 'seg')))
val_evaluator = [
    dict(type='DepthMetric', min_depth=1e-3, max_depth=depth_range, depth_caps=(4, 6, 8)),
    dict(type='SegMetric', num_classes=num_classes),
]
test_evaluator = val_evaluator
depth_only_evaluator = [val_evaluator[0]]
