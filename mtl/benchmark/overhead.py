"""``benchmark.py overhead``: what our train step and runner cost on top of a hand-written loop.

No paper: measurement. Three copies of one model (same weights) are stepped on the same
cached batches, interleaved in rounds of ``iters`` iterations:

- ``plain``: the loop a user would write — normalise, forward in loss mode, sum the
  losses, backward, clip, the config's optimizer in two groups (decay / no decay);
- ``train_step``: ``model.train_step`` through the optim wrapper the config builds;
- ``runner``: the full runner (hooks, logging, scheduler, dataloader on cached samples),
  timed between round boundaries by a hook that runs the other candidates there;
- ``train_step_per_param``: ``train_step`` with one optimizer group per parameter
  (``paramwise_cfg.named_groups=True``, what ``TrainingStagesHook`` needs), to show what
  many groups cost against the merged groups the constructor builds otherwise.
"""
import copy
import tempfile
import time

import torch
from mmengine.hooks import Hook
from mmengine.optim import build_optim_wrapper
from torch.utils.data import Dataset

from mtl.benchmark.rounds import (add_config_arguments, batch_size_of, cached_batches, cycle,
                                  format_ratio, load_cfg, ratio)
from mtl.engine.runner_utils import build_runner
from mtl.registry import DATASETS, MODELS


def plain_step(model: torch.nn.Module, cfg, next_batch):
    """One hand-written training step function for ``model`` (see the module docstring)."""
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    optimizer_class = getattr(torch.optim, opt_cfg.pop('type'))
    paramwise = cfg.optim_wrapper.get('paramwise_cfg') or {}
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    weight_decay = opt_cfg.pop('weight_decay', 0.0)
    no_decay_wd = weight_decay * min(paramwise.get('norm_decay_mult', 1.0),
                                     paramwise.get('bias_decay_mult', 1.0))
    optimizer = optimizer_class([dict(params=decay, weight_decay=weight_decay),
                                 dict(params=no_decay, weight_decay=no_decay_wd)], **opt_cfg)
    clip = (cfg.optim_wrapper.get('clip_grad') or {}).get('max_norm')
    mean, std = model.data_preprocessor.mean, model.data_preprocessor.std

    def step():
        batch = next_batch()
        inputs = (batch['img'].float() - mean) / std
        targets = {k: v for k, v in batch.items() if k != 'img'}
        losses = model(inputs, targets, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
    return step


def wrapper_step(model, cfg, next_batch, named_groups=False):
    wrapper_cfg = dict(cfg.optim_wrapper)
    wrapper_cfg.setdefault('constructor', 'MTLOptimWrapperConstructor')
    if named_groups:
        wrapper_cfg['paramwise_cfg'] = dict(wrapper_cfg.get('paramwise_cfg') or {}, named_groups=True)
    wrapper = build_optim_wrapper(model, wrapper_cfg)

    def step():
        model.train_step(next_batch(), wrapper)
    step.groups = len(wrapper.optimizer.param_groups)
    return step


class CachedSamples(Dataset):
    """Samples rendered or read once, served from memory (keeps the source's metainfo)."""

    def __init__(self, samples, metainfo):
        self.samples, self.metainfo = samples, metainfo

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.samples[index]


class RoundsHook(Hook):
    """Times the runner between round boundaries and runs the other candidates there."""
    priority = 'LOWEST'

    def __init__(self, iters, others):
        self.iters, self.others = iters, others
        self.times = {name: [] for name in ('runner', *others)}
        self.resumed = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if (runner.iter + 1) % self.iters:
            return
        now = time.perf_counter()
        timed = self.resumed is not None  # the first block is the runner's warm-up
        if timed:
            self.times['runner'].append(now - self.resumed)
        for name, step in self.others.items():
            start = time.perf_counter()
            for _ in range(self.iters):
                step()
            if timed:
                self.times[name].append(time.perf_counter() - start)
        self.resumed = time.perf_counter()


def runner_cfg(cfg, iters_total, work_dir):
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters_total, val_interval=iters_total + 1)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters_total + 1,
                                        save_last=False)
    cfg.param_scheduler = [s for s in cfg.get('param_scheduler') or [] if not s.get('by_epoch', True)]
    cfg.load_from, cfg.resume = None, False
    # mmengine keeps visualizers by name for the process: a name of our own, so that no
    # later runner in the process reuses this one (and its deleted work dir)
    cfg.visualizer = dict(cfg.visualizer, name=f'benchmark-overhead-{time.time()}')
    return cfg


def run(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    batches = cached_batches(cfg, args.batches, args.batch_size)
    models = {name: copy.deepcopy(model) for name in ('plain', 'train_step', 'train_step_per_param')}
    steps = {'plain': plain_step(models['plain'], cfg, cycle(batches)),
             'train_step': wrapper_step(models['train_step'], cfg, cycle(batches)),
             'train_step_per_param': wrapper_step(models['train_step_per_param'], cfg,
                                                  cycle(batches), named_groups=True)}
    loader_cfg = dict(cfg.train_dataloader)
    dataset = cached_dataset(loader_cfg, args.batches * batch_size_of(batches[0]))
    hook = RoundsHook(args.iters, steps)
    with tempfile.TemporaryDirectory(prefix='mtl-benchmark-') as work_dir:
        rcfg = runner_cfg(cfg, args.iters * (args.rounds + 1), work_dir)
        runner = build_runner(rcfg)
        runner.model.load_state_dict(model.state_dict())  # the same weights
        runner._train_dataloader = dict(loader_cfg, dataset=dataset, num_workers=0,
                                        persistent_workers=False, batch_size=batch_size_of(batches[0]))
        runner.register_hook(hook)
        runner.train()
    times = hook.times
    result = dict(benchmark='overhead', config=args.config, iters_per_round=args.iters,
                  batch_size=batch_size_of(batches[0]), threads=torch.get_num_threads(),
                  optimizer_groups=dict(train_step=steps['train_step'].groups,
                                        per_param=steps['train_step_per_param'].groups,
                                        plain=2),
                  train_step_over_plain=ratio(times, 'train_step', 'plain'),
                  runner_over_plain=ratio(times, 'runner', 'plain'),
                  per_param_over_merged=ratio(times, 'train_step_per_param', 'train_step'))
    print(format_ratio('train_step / plain loop', result['train_step_over_plain']))
    print(format_ratio('runner / plain loop', result['runner_over_plain']))
    print(format_ratio(f'{result["optimizer_groups"]["per_param"]} groups / '
                       f'{result["optimizer_groups"]["train_step"]} groups (train_step)',
                       result['per_param_over_merged']))
    return result


def cached_dataset(loader_cfg, count):
    source = DATASETS.build(loader_cfg['dataset'])
    return CachedSamples([source[i % len(source)] for i in range(count)],
                         getattr(source, 'metainfo', {}))


def add_arguments(parser) -> None:
    add_config_arguments(parser)
    parser.add_argument('--batches', type=int, default=4, help='distinct cached batches')
