# PAD-Net (Xu et al., CVPR 2018), Sec. 4.1: SGD with momentum 0.99 and weight decay 5e-4, two
# phases run by TrainingStagesHook (one run; resume works inside either phase):
#   1. "front_end": only the front end is optimised, with the scene parsing task, at lr 1e-3
#      (which modules and losses that means is the model's: front_end_frozen and
#      front_end_loss_weights in configs/_base_/models/padnet_resnet50.py);
#   2. "joint": every module and all six losses at the lower rate. The text says "10e-5"
#      (1e-4 or 1e-5); we take 1e-5, the literal exponent of the usual notation.
# The paper gives no phase lengths: a third of the epochs for phase 1 (NYUD-v2: 20 + 40 of 60).
# The top config adds the hook, whose stages combine these values with the model's (see
# configs/padnet_nyud2.py).
front_end_lr = 1e-3
joint_lr = 1e-5
front_end_epochs = 20
joint_epochs = 40

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
