# The balancing comparison's budget (docs/balancing.md): the main job (hps_synthrooms) at
# 48×64 pixels for 100 iterations of batch 8 (0.8 epochs of the 1000 training rooms), no
# validation, testing on the 200 test rooms without flip averaging, so that one run of a
# loss-based combiner costs about a minute of one CPU thread. The methods of the table replace
# model.combiner; the single-task baselines come from tools/baselines.py.
_base_ = ['../hps_synthrooms.py']

# Fixed weights 1 with no weights listed, so that a method replaces the combiner by its type:
# --cfg-options model.combiner.type=PCGrad (DWA: also model.combiner.period=10).
model = dict(combiner=dict(_delete_=True, type='FixedWeighting'), test_cfg=dict(flip=False))

small = dict(img_size=(48, 64))
train_dataloader = dict(num_workers=0, persistent_workers=False, dataset=small)
test_dataloader = dict(num_workers=0, dataset=small)
val_dataloader = val_cfg = val_evaluator = None

max_iters = 100
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=10),
    dict(type='PolyLR', power=0.9, eta_min=1e-6, by_epoch=False, begin=10, end=max_iters),
]
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
