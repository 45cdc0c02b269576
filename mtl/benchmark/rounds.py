"""Interleaved timing rounds and the pieces every benchmark mode shares.

No paper: measurement plumbing. A ratio of two candidates timed in the same round
cancels most of the load that other processes put on a shared machine; the median
over rounds and its spread (min–max) are reported, never a single absolute time.
"""
import statistics
import time
from typing import Callable, Dict, List, Mapping

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mtl.engine.runner_utils import read_config


def interleave(candidates: Mapping[str, Callable[[], None]], rounds: int,
               warmup: int = 1) -> Dict[str, List[float]]:
    """Seconds per round of each candidate, run in turn (A, B, C, A, B, C, …).

    ``warmup`` untimed rounds come first (allocator, caches, lazy initialisation).
    """
    if rounds < 1:
        raise ValueError(f'rounds must be >= 1, got {rounds}.')
    times = {name: [] for name in candidates}
    for index in range(warmup + rounds):
        for name, run in candidates.items():
            start = time.perf_counter()
            run()
            if index >= warmup:
                times[name].append(time.perf_counter() - start)
    return times


def ratio(times: Dict[str, List[float]], numerator: str, denominator: str) -> dict:
    """Median and spread over rounds of ``numerator``'s time over ``denominator``'s."""
    ratios = [a / b for a, b in zip(times[numerator], times[denominator])]
    return dict(median=statistics.median(ratios), min=min(ratios), max=max(ratios),
                rounds=len(ratios))


def format_ratio(label: str, value: dict) -> str:
    return (f'{label}: {value["median"]:.3f} (median of {value["rounds"]} rounds; '
            f'spread {value["min"]:.3f}–{value["max"]:.3f})')


def load_cfg(path: str, cfg_options=None) -> Config:
    cfg = read_config(path, cfg_options)
    DefaultScope.get_instance(f'benchmark-{time.time()}', scope_name=cfg.get('default_scope', 'mtl'))
    return cfg


def cached_batches(cfg: Config, count: int, batch_size=None) -> List[dict]:
    """``count`` collated training batches from the config's train dataloader, in memory."""
    loader_cfg = dict(cfg.train_dataloader, num_workers=0, persistent_workers=False)
    if batch_size:
        loader_cfg['batch_size'] = batch_size
    iterator = iter(Runner.build_dataloader(loader_cfg, seed=0))
    return [next(iterator) for _ in range(count)]


def batch_size_of(batch: dict) -> int:
    return len(batch['meta'])


def cycle(items: List) -> Callable[[], object]:
    """A function returning the items in turn, forever."""
    state = {'index': -1}

    def next_item():
        state['index'] = (state['index'] + 1) % len(items)
        return items[state['index']]
    return next_item


def threads_note() -> str:
    return f'{torch.get_num_threads()} threads'


def add_config_arguments(parser, rounds=5, iters=5) -> None:
    """CONFIG, --cfg-options, --rounds, --iters, --batch-size: the arguments every mode shares."""
    from mmengine.config import DictAction
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--rounds', type=int, default=rounds, help='timed rounds')
    parser.add_argument('--iters', type=int, default=iters, help='iterations per round')
    parser.add_argument('--batch-size', type=int, help='override the train batch size')
