# The single-task depth baseline of configs/mtinet_synthrooms.py for Δm (docs/mtinet.md): the
# same backbone, branch (MultiScaleRefinementDecoder at 32 channels), head, loss, schedule and
# data; one task, no deep supervision, no interactions (the final head reads the 1/4 feature).
# python tools/train.py configs/mtinet_ablation/synthrooms_single_depth.py
_base_ = ['../mtinet_synthrooms.py']
model = dict(
    tasks=dict(_delete_=True, depth=dict(branch={{_base_.branch}}, head={{_base_.heads.depth}})),
    interactions=dict(_delete_=True),
    losses=dict(_delete_=True, **{'depth.l1': dict(type='MaskedL1Loss')}))
train_dataloader = dict(dataset=dict(tasks=('depth',)))
val_dataloader = dict(dataset=dict(tasks=('depth',)))
test_dataloader = dict(dataset=dict(tasks=('depth',)))
val_evaluator = [{{_base_.depth_evaluator}}]
test_evaluator = val_evaluator
