# Jiao et al., ECCV 2018, on SynthRooms, CPU-sized: the full synergy network (LSU + SUC +
# attention-driven loss) on a ResNet-18 from scratch, trained with the paper's three stages in
# one run (python tools/train.py configs/jiao_synthrooms.py; a few minutes per 100 iterations on
# a 2-core CPU). Same model, data and iteration budget as the Table 1 ladder in
# configs/jiao_ablation/ (whose rows train end to end in one stage); see docs/jiao.md.
_base_ = ['./jiao_ablation/_synthrooms_ladder.py']

# Stage lengths in iterations (a third of the budget each); the learning rates are the paper's
# (Sec. 4.1); lr x0.1 after 3/4 of each stage.
stage_iters = 100
train_cfg = dict(max_iters=3 * stage_iters, val_interval=3 * stage_iters)
param_scheduler = []
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=False, stages=[
        dict(name='depth', length=stage_iters, step=75,
             frozen=('branches.seg', 'heads.seg', 'interactions'), lr={'': 1e-3},
             loss_weights={'seg.focal': 0.0, 'depth.jg_sem': 0.0}),
        dict(name='semantics', length=stage_iters, step=75,
             frozen=('branches.depth', 'heads.depth'), lr={'backbone': 1e-5, '': 1e-3}),
        dict(name='joint', length=stage_iters, step=75, lr={'backbone': 1e-4, '': 1e-2}),
    ]),
    dict(type='PartialSupervisionHook'),
]
