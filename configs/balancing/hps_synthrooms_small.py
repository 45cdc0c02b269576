# The balancing comparison's budget (docs/balancing.md): the main job (hps_synthrooms) at
# 48×64 pixels for 150 iterations of batch 8 (1.2 epochs of the 1000 training rooms), so that
# one run of a loss-based combiner takes about a minute on one CPU thread. The methods of the
# table replace model.combiner; the single-task baselines come from tools/baselines.py.
_base_ = ['../hps_synthrooms.py']

# Fixed weights 1 with no weights listed, so that a method replaces the combiner by its type:
# --cfg-options model.combiner.type=PCGrad (DWA: also model.combiner.period=15).
model = dict(combiner=dict(_delete_=True, type='FixedWeighting'))

small = dict(img_size=(48, 64))
train_dataloader = dict(num_workers=0, persistent_workers=False, dataset=small)
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=small)
test_dataloader = dict(num_workers=0, dataset=small)

max_iters = 150
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=15),
    dict(type='PolyLR', power=0.9, eta_min=1e-6, by_epoch=False, begin=15, end=max_iters),
]
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1),
                     visualization=dict(num_val_samples=0))
