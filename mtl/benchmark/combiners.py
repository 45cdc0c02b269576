"""``benchmark.py combiners``: train-step time and peak memory of each loss combiner on
one config's model and batch, as ratios to the first combiner (docs/balancing.md).

No paper beyond the combiners' own (see their modules); measurement only. One model per
combiner (same seed, same weights) and the same batch; the rounds interleave the
combiners (``mtl.benchmark.rounds.interleave``), so load on a shared machine hits all
alike. Memory: the peak resident size (CPU, Linux) or CUDA allocation during a
combiner's steps beyond what was held before them, the largest over rounds.
"""
import ast
import statistics

import torch
from mmengine.optim import build_optim_wrapper

from mtl.benchmark.rounds import (add_config_arguments, batch_size_of, cached_batches, format_ratio,
                                  interleave, load_cfg, ratio)
from mtl.registry import MODELS


def combiner_cfg(text: str) -> dict:
    """``Type`` or ``Type:key=value,key=value`` (values as Python literals)."""
    kind, _, options = text.partition(':')
    cfg = dict(type=kind)
    for option in filter(None, options.split(',')):
        key, _, value = option.partition('=')
        cfg[key] = ast.literal_eval(value)
    return cfg


def reset_peak_rss() -> None:
    """Linux: restart the process's peak resident set size (VmHWM) from the current one."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def peak_rss_mib() -> float:
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmHWM')) / 1024


def start_memory(device: torch.device):
    """Start measuring peak memory; returns a function giving the MiB used since."""
    if device.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated() / 2 ** 20

        def used() -> float:
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() / 2 ** 20 - base
        return used
    reset_peak_rss()
    base = peak_rss_mib()
    return lambda: peak_rss_mib() - base


def run(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    device = torch.device(args.device)
    batch = cached_batches(cfg, 1, args.batch_size)[0]
    memory = {name: 0.0 for name in args.combiners}
    steps = {}
    for name in args.combiners:
        torch.manual_seed(0)
        model = MODELS.build(dict(cfg.model, combiner=combiner_cfg(name))).to(device).train()
        wrapper_cfg = dict(cfg.optim_wrapper)
        wrapper_cfg.setdefault('constructor', 'MTLOptimWrapperConstructor')
        wrapper = build_optim_wrapper(model, wrapper_cfg)

        def step(name=name, model=model, wrapper=wrapper):
            used = start_memory(device)
            for _ in range(args.iters):
                model.train_step(batch, wrapper)
            memory[name] = max(memory[name], used())
        steps[name] = step
    times = interleave(steps, args.rounds)
    first = args.combiners[0]
    results = {}
    for name in args.combiners:
        time_ratio = ratio(times, name, first)
        print(format_ratio(f'{name} / {first} step time', time_ratio))
        median_s = statistics.median(times[name])
        results[name] = dict(ms_per_iter=1000 * median_s / args.iters, time_ratio=time_ratio,
                             peak_extra_mib=memory[name], memory_ratio=memory[name] / memory[first] if memory[first] else None)
    return dict(benchmark='combiners', config=args.config, device=str(device),
                batch_size=batch_size_of(batch), rounds=args.rounds, iters=args.iters,
                results=results)


def add_arguments(parser) -> None:
    add_config_arguments(parser, rounds=3, iters=3)
    parser.add_argument('--combiners', nargs='+', required=True,
                        help='Type or Type:key=value,...; the first is the reference')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
