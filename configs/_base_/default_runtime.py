default_scope = 'mtl'
runner_type = 'MTLRunner'  # strict, safe loading; atomic saves (mtl/engine/runner.py)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

# Hooks every config gets, listed once. They are named (default_hooks merge by name, where
# custom_hooks lists would be restated by each config that adds a hook): the checks fail
# before the first iteration when a loss needs a target the dataset lacks or when a head,
# loss or metric disagrees with the dataset's metainfo; partial supervision gates the
# cross-task paths of modules that declare it (a no-op for the others).
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='MTLCheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    target_check=dict(type='TargetCheckHook'),
    dataset_meta_check=dict(type='DatasetMetaCheckHook'),
    partial_supervision=dict(type='PartialSupervisionHook'),
    # labelled panels of the first validation samples and depth statistics, to every vis
    # backend below; tools/test.py --show-dir writes a panel per test sample
    visualization=dict(type='SamplePanelHook', num_val_samples=2))

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)  # named per run by MTLRunner

# Window means for every loss-like key: mmengine's default pattern averages only keys with
# "loss" in them, which would log a weighted loss_<name> as a mean and its raw <name> (and a
# combiner's weight.<name>) as the current value; every value our model logs has a dot.
log_processor = dict(by_epoch=False, window_size=20,
                     mean_pattern=r'.*(loss|time|data_time|grad_norm).*|\.')
log_level = 'INFO'
load_from = None
load_strict = True  # a checkpoint must match the model; False loads the matching weights
load_renames = {}  # {old key prefix: new}: renames load_from's keys (fine-tune another task)
resume = False
randomness = dict(seed=0)
