# Jiao et al., ECCV 2018, Sec. 4.1: Adam (0.9, 0.999, 1e-8), batch 12 (set by the dataset config),
# three stages, lr x0.1 every 20 epochs (counted within each stage):
#   1. the semantic branch and the LSUs frozen, the rest trained for depth at lr 1e-3;
#   2. the depth branch frozen, the rest trained with lr 1e-5 on the backbone, 1e-3 elsewhere;
#   3. end to end, lr 1e-4 on the backbone, 1e-2 elsewhere.
# The paper gives no stage lengths: 40 + 40 + 60 epochs is our choice. Stage 1 trains "for
# depth": the semantic losses weigh 0 there. The top config adds the hook:
#   custom_hooks = [..., dict(type='TrainingStagesHook', by_epoch=True, stages=jiao_stages)]
# (see mtl/engine/training_stages.py; the hook owns the learning rates: no param_scheduler).
jiao_stages = [
    dict(name='depth', length=40, step=20, gamma=0.1,
         frozen=('branches.seg', 'heads.seg', 'interactions'),
         lr={'': 1e-3},
         loss_weights={'seg.focal': 0.0, 'depth.jg_sem': 0.0}),
    dict(name='semantics', length=40, step=20, gamma=0.1,
         frozen=('branches.depth', 'heads.depth'),
         lr={'backbone': 1e-5, '': 1e-3}),
    dict(name='joint', length=60, step=20, gamma=0.1,
         lr={'backbone': 1e-4, '': 1e-2}),
]

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
