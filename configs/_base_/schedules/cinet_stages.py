# CI-Net Sec. 4.2: SGD (momentum 0.9, weight decay 5e-4), the pretrained backbone at 1/10 of the
# learning rate, three stages (lengths and learning rates per dataset below):
#   1. the SUM fed the ground-truth attention A instead of its own (mode of the neck); only
#      L_depth and L_seg (L_att and L_con weigh 0);
#   2. the SUM's own attention, with L_att (L_con still 0);
#   3. all losses, polynomial decay with power 0.9.
# The top config adds the hook: dict(type='TrainingStagesHook', by_epoch=..., stages=...).
# `*_without_sum` keep the lengths and learning rates for the ablation rows without a SUM.
ground_truth_attention = dict(name='ground_truth_attention',
                              modes={'neck': {'attention': 'ground_truth'}},
                              loss_weights={'neck.attention': 0.0, 'seg.consistency': 0.0})
attention = dict(name='attention', loss_weights={'seg.consistency': 0.0})
all_losses = dict(name='all_losses', power=0.9)
with_sum = (ground_truth_attention, attention, all_losses)
without_sum = (dict(name='stage1'), dict(name='stage2'), all_losses)

# (epochs, lr) per stage
nyud2_plan = ((300, 6e-4), (200, 2e-4), (200, 2e-4))
sunrgbd_plan = ((60, 6e-4), (40, 3e-4), (40, 3e-4))
nyud2_stages = [dict(s, length=n, lr={'backbone': lr / 10, '': lr})
                for s, (n, lr) in zip(with_sum, nyud2_plan)]
nyud2_stages_without_sum = [dict(s, length=n, lr={'backbone': lr / 10, '': lr})
                            for s, (n, lr) in zip(without_sum, nyud2_plan)]
sunrgbd_stages = [dict(s, length=n, lr={'backbone': lr / 10, '': lr})
                  for s, (n, lr) in zip(with_sum, sunrgbd_plan)]
# SynthRooms, CPU-sized (iterations; from scratch, so one lr for every layer): the paper's
# 3 : 2 : 2 split of the budget and its 3 : 1 : 1 learning rates, scaled up for SGD from scratch.
synthrooms_plan = ((40, 3e-2), (25, 1e-2), (25, 1e-2))
synthrooms_stages = [dict(s, length=n, lr={'': lr})
                     for s, (n, lr) in zip(with_sum, synthrooms_plan)]
synthrooms_stages_without_sum = [dict(s, length=n, lr={'': lr})
                                 for s, (n, lr) in zip(without_sum, synthrooms_plan)]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=sum(n for n, _ in nyud2_plan),
                 val_interval=20)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    paramwise_cfg=dict(named_groups=True),  # every parameter its own group, for the stages
    optimizer=dict(type='SGD', lr=6e-4, momentum=0.9, weight_decay=5e-4))
param_scheduler = []  # the stages own the learning rates
