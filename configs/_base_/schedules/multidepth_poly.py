# MultiDepth (Liebel & Körner 2019, Sec. 3.4): Adam (beta1 0.9, beta2 0.999) with weight decay
# 1e-4 (Adam's L2 term, not AdamW; applied to every parameter, the learned task weights
# included, as in the released code), lr 1e-4 picked with the learning-rate range test
# (tools/lr_finder.py), polynomial decay with power 0.9 to zero over 5e5 iterations.
max_iters = 500000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-4))

param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=max_iters),
]
