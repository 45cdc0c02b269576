# The single-task segmentation baseline of configs/mtinet_synthrooms.py for Δm
# (docs/mtinet.md): the same backbone, branch, head, loss, schedule and data; one task, no
# deep supervision, no interactions (the final head reads the 1/4 feature).
# python tools/train.py configs/mtinet_ablation/synthrooms_single_seg.py
_base_ = ['../mtinet_synthrooms.py']
model = dict(
    tasks=dict(_delete_=True, seg=dict(branch={{_base_.branch}}, head={{_base_.heads.seg}})),
    interactions=dict(_delete_=True),
    losses=dict(_delete_=True, **{'seg.ce': dict(type='CrossEntropyLoss')}))
train_dataloader = dict(dataset=dict(tasks=('seg',)))
val_dataloader = dict(dataset=dict(tasks=('seg',)))
test_dataloader = dict(dataset=dict(tasks=('seg',)))
val_evaluator = [dict(type='SegMetric')]
test_evaluator = val_evaluator
