default_scope = 'mtl'
runner_type = 'MTLRunner'  # strict, safe loading; atomic saves (mtl/engine/runner.py)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='MTLCheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # labelled panels of the first validation samples and depth statistics, to every vis
    # backend below; tools/test.py --show-dir writes a panel per test sample
    visualization=dict(type='SamplePanelHook', num_val_samples=2))

custom_hooks = [dict(type='TargetCheckHook')]

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')

# Window means for every loss-like key: mmengine's default pattern averages only keys with
# "loss" in them, which would log a weighted loss_<name> as a mean and its raw <name> (and a
# combiner's weight.<name>) as the current value; every value our model logs has a dot.
log_processor = dict(by_epoch=False, window_size=20,
                     mean_pattern=r'.*(loss|time|data_time|grad_norm).*|\.')
log_level = 'INFO'
load_from = None
load_strict = True  # a checkpoint must match the model; False loads the matching weights
resume = False
randomness = dict(seed=0)
