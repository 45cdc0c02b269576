# PAD-Net (Xu et al., CVPR 2018), Sec. 4.1: SGD with momentum 0.99 and weight decay 5e-4, two
# phases run by TrainingStagesHook (one run; resume works inside either phase):
#   1. "front_end": only the front end is optimised, with the scene parsing task, at lr 1e-3.
#      Reading: the front end (backbone + neck) and the intermediate segmentation path that
#      reads it (branches.seg stage 0 and its deep-supervision head seg@1) train on the
#      intermediate segmentation loss; everything else is frozen and its losses weigh 0.
#   2. "joint": every module and all six losses at the lower rate. The text says "10e-5"
#      (1e-4 or 1e-5); we take 1e-5, the literal exponent of the usual notation.
# The paper gives no phase lengths: a third of the epochs for phase 1 (NYUD-v2: 20 + 40 of 60).
# The top config adds the hook:
#   custom_hooks = [dict(type='TargetCheckHook'),
#                   dict(type='TrainingStagesHook', by_epoch=True, stages={{_base_.padnet_stages}})]
# and one that changes the lengths rebuilds the two stages from the values below.
front_end_lr = 1e-3
joint_lr = 1e-5
front_end_epochs = 20
joint_epochs = 40
front_end_frozen = ('branches.depth', 'heads.depth', 'heads.depth@1', 'branches.normals',
                    'heads.normals', 'branches.contours', 'heads.contours', 'interactions',
                    'branches.seg.stages.1', 'branches.seg.stages.2', 'heads.seg')
front_end_loss_weights = {'depth.l2': 0.0, 'depth@1.l2': 0.0, 'seg.ce': 0.0,
                          'normals.l2': 0.0, 'contours.bce': 0.0}
padnet_stages = [
    dict(name='front_end', length=front_end_epochs, lr={'': front_end_lr},
         frozen=front_end_frozen, loss_weights=front_end_loss_weights),
    dict(name='joint', length=joint_epochs, lr={'': joint_lr}),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=front_end_epochs + joint_epochs,
                 val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    paramwise_cfg=dict(named_groups=True),  # every parameter in its own group, for the hook
    optimizer=dict(type='SGD', lr=front_end_lr, momentum=0.99, weight_decay=5e-4))
param_scheduler = []  # the hook sets the learning rates
