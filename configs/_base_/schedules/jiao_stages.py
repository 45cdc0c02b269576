# Jiao et al., ECCV 2018, Sec. 4.1: Adam (0.9, 0.999, 1e-8), batch 12 (set by the dataset config),
# three stages, lr x0.1 every 20 epochs (counted within each stage):
#   1. the semantic branch and the LSUs frozen, the rest trained for depth at lr 1e-3;
#   2. the depth branch frozen, the rest trained with lr 1e-5 on the backbone, 1e-3 elsewhere;
#   3. end to end, lr 1e-4 on the backbone, 1e-2 elsewhere.
# The paper gives no stage lengths: 40 + 40 + 60 epochs is our choice. Stage 1 trains "for
# depth": the semantic losses weigh 0 there. TrainingStagesHook runs them (see
# mtl/engine/training_stages.py; the hook owns the learning rates: no param_scheduler). What
# each stage trains is stated once here (depth_stage, semantics_stage, joint_stage); a config
# with other stage lengths refers to these, e.g. frozen={{_base_.depth_stage.frozen}}.
_base_ = ['../default_runtime.py']

depth_stage = dict(frozen=('branches.seg', 'heads.seg', 'interactions'), lr={'': 1e-3},
                   loss_weights={'seg.focal': 0.0, 'depth.jg_sem': 0.0})
semantics_stage = dict(frozen=('branches.depth', 'heads.depth'), lr={'backbone': 1e-5, '': 1e-3})
joint_stage = dict(lr={'backbone': 1e-4, '': 1e-2})
jiao_stages = [
    dict(depth_stage, name='depth', length=40, step=20, gamma=0.1),
    dict(semantics_stage, name='semantics', length=40, step=20, gamma=0.1),
    dict(joint_stage, name='joint', length=60, step=20, gamma=0.1),
]
custom_hooks = [dict(type='TrainingStagesHook', by_epoch=True, stages=jiao_stages)]
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=3))
log_processor = dict(by_epoch=True)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=140, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    # every parameter in its own named group, frozen or not, for TrainingStagesHook
    paramwise_cfg=dict(named_groups=True),
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0))
param_scheduler = []
