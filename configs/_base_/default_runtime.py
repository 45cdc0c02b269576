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
    sampler_seed=dict(type='DistSamplerSeedHook'))

custom_hooks = [dict(type='TargetCheckHook')]

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(by_epoch=False, window_size=20)
log_level = 'INFO'
load_from = None
load_strict = True  # a checkpoint must match the model; False loads the matching weights
resume = False
randomness = dict(seed=0)
