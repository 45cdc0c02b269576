# The MTL survey's NYUD-v2 schedule (Vandenhende et al., TPAMI 2021, Sec. 5; our reading of its
# code's configs): Adam, lr 1e-4, weight decay 1e-4, 100 epochs of the 795 training frames
# (batch 8, the dataset base's), polynomial decay with power 0.9 per iteration. Validation on
# the test split every 10 epochs.
max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)]
