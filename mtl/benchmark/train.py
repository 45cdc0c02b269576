"""``benchmark.py train``: train-step throughput and peak memory, with the GPU switches.

No paper: measurement. The step is ``model.train_step`` through the optim wrapper the
config builds, with the switches of ``mtl.engine.performance`` (mixed precision,
channels-last, ``torch.compile``) applied as ``tools/train.py`` applies them.
"""
import copy
import resource
import time

import torch
from mmengine.optim import build_optim_wrapper

from mtl.benchmark.rounds import add_config_arguments, batch_size_of, cached_batches, load_cfg
from mtl.engine.performance import (AMP_DTYPES, amp_wrapper_cfg, compile_train_step,
                                    to_channels_last)
from mtl.models.base import UsesLabelCounts
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX


def build_train_step(cfg, device, amp=None, channels_last=False, compile=False, batch=None):
    """A no-argument function doing one train step of the config's model on ``batch``."""
    model = MODELS.build(copy.deepcopy(cfg.model)).to(device).train()
    give_label_counts(model, batch)
    if channels_last:
        to_channels_last(model)
    wrapper_cfg = dict(cfg.optim_wrapper)
    wrapper_cfg.setdefault('constructor', 'MTLOptimWrapperConstructor')
    if amp:
        wrapper_cfg.update(amp_wrapper_cfg(amp, device.type))
    wrapper = build_optim_wrapper(model, wrapper_cfg)
    if compile:
        compile_train_step(model, compile if isinstance(compile, dict) else {})

    def step():
        model.train_step(batch, wrapper)
    step.model, step.wrapper = model, wrapper
    return step


def give_label_counts(model, batch) -> None:
    """Modules that need the training set's label counts (:class:`UsesLabelCounts`, which
    ``LabelCountsHook`` serves before training) get those of the benchmark batch: the
    speed of a step does not depend on the values."""
    for _, module in model.modules_implementing(UsesLabelCounts):
        key = module.label_counts_key()
        if key and key in batch:
            labels = batch[key]  # a stacked tensor, or a list when the sizes differ
            labels = torch.cat([torch.as_tensor(one).long().flatten() for one in labels])
            module.set_label_counts(torch.bincount(labels[labels != IGNORE_INDEX]))


def seconds_per_step(step, device, warmup: int, iters: int) -> float:
    """Mean seconds of ``step()`` over ``iters`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    synchronize(device)
    return (time.perf_counter() - start) / iters


def synchronize(device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize()


def run(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    device = torch.device(args.device)
    batch = cached_batches(cfg, 1, args.batch_size)[0]
    step = build_train_step(cfg, device, args.amp, args.channels_last, args.compile, batch)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    seconds = seconds_per_step(step, device, args.warmup, args.iters) * args.iters
    size = batch_size_of(batch)
    result = dict(benchmark='train', config=args.config, device=str(device), amp=args.amp,
                  channels_last=args.channels_last, compile=bool(args.compile), batch_size=size,
                  img_size=list(batch['img'].shape[-2:]), samples_per_s=size * args.iters / seconds,
                  threads=torch.get_num_threads(), peak_memory_mib=peak_memory_mib(device))
    print(f'{result["samples_per_s"]:.2f} samples/s, peak memory {result["peak_memory_mib"]:.0f} MiB')
    return result


def peak_memory_mib(device) -> float:
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated() / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the process's peak RSS


def add_arguments(parser) -> None:
    add_config_arguments(parser, iters=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', choices=sorted(AMP_DTYPES), help='mixed precision dtype')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--compile', action='store_true', help='torch.compile the train step')
