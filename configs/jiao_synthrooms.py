# Jiao et al., ECCV 2018, on SynthRooms, CPU-sized: the full synergy network (LSU + SUC +
# attention-driven loss) on a ResNet-18 from scratch, trained with the paper's three stages in
# one run (python tools/train.py configs/jiao_synthrooms.py; a few minutes per 100 iterations on
# a 2-core CPU). Same model, data and iteration budget as the Table 1 ladder in
# configs/jiao_ablation/ (whose rows train end to end in one stage); see docs/jiao.md.
_base_ = ['./jiao_ablation/_synthrooms_ladder.py']

# What each stage trains is _base_/schedules/jiao_stages.py's (Sec. 4.1); here only their
# lengths in iterations (a third of the budget each), lr x0.1 after 3/4 of each stage.
stage_iters = 100
train_cfg = dict(max_iters=3 * stage_iters, val_interval=3 * stage_iters)
param_scheduler = []
custom_hooks = [dict(type='TrainingStagesHook', by_epoch=False, stages=[
    dict(name='depth', length=stage_iters, step=75, frozen={{_base_.depth_stage.frozen}},
         lr={{_base_.depth_stage.lr}}, loss_weights={{_base_.depth_stage.loss_weights}}),
    dict(name='semantics', length=stage_iters, step=75,
         frozen={{_base_.semantics_stage.frozen}}, lr={{_base_.semantics_stage.lr}}),
    dict(name='joint', length=stage_iters, step=75, lr={{_base_.joint_stage.lr}}),
])]
