"""``benchmark.py data``: data-pipeline throughput over train-step throughput, one command.

No paper: measurement. Rounds alternate pulling ``--batches`` batches from the config's
train dataloader (with its ``num_workers``, or ``--workers``) and ``--iters`` train steps
on one cached batch; the ratio of samples/s (data over train) should be ≥ 2 so that the
data never limits training. Batches the workers prefetched while the train step ran are
drained untimed at the start of each data round. Also ``benchmark.py synthrooms``:
SynthRooms rendering samples/s on one core.
"""
import time

import torch
from mmengine.runner import Runner

from mtl.benchmark.rounds import (add_config_arguments, batch_size_of, cached_batches,
                                  format_ratio, interleave, load_cfg)
from mtl.benchmark.train import build_train_step


def run(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    loader_cfg = dict(cfg.train_dataloader)
    if args.batch_size:
        loader_cfg['batch_size'] = args.batch_size
    workers = loader_cfg.get('num_workers', 0) if args.workers is None else args.workers
    loader_cfg.update(num_workers=workers, persistent_workers=workers > 0)
    loader = iter(Runner.build_dataloader(loader_cfg, seed=0))
    prefetched = workers * (loader_cfg.get('prefetch_factor') or 2)
    batch = next(loader)
    step = build_train_step(cfg, torch.device('cpu'), batch=batch)

    def pull():
        for _ in range(prefetched):
            next(loader)
        start = time.perf_counter()
        for _ in range(args.batches):
            next(loader)
        pull.timed.append(time.perf_counter() - start)
    pull.timed = []

    def train():
        for _ in range(args.iters):
            step()
    times = interleave({'data': pull, 'train': train}, args.rounds)
    size = batch_size_of(batch)
    data_rates = [args.batches * size / t for t in pull.timed[1:]]  # round 0 is warm-up
    train_rates = [args.iters * size / t for t in times['train']]
    ratios = sorted(d / t for d, t in zip(data_rates, train_rates))
    ratio = dict(median=ratios[len(ratios) // 2], min=ratios[0], max=ratios[-1], rounds=len(ratios))
    result = dict(benchmark='data', config=args.config, workers=workers, batch_size=size,
                  threads=torch.get_num_threads(), data_samples_per_s=sorted(data_rates),
                  train_samples_per_s=sorted(train_rates), data_over_train=ratio)
    print(format_ratio(f'data / train throughput ({workers} workers)', ratio))
    return result


def add_arguments(parser) -> None:
    add_config_arguments(parser, rounds=3, iters=3)
    parser.add_argument('--workers', type=int, help="dataloader workers (default: the config's)")
    parser.add_argument('--batches', type=int, default=6, help='batches pulled per round')


class SynthRooms:
    """``benchmark.py synthrooms``: rendering samples/s on one core."""

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument('--num', type=int, default=200)
        parser.add_argument('--size', type=int, nargs=2, default=(96, 128), metavar=('H', 'W'))

    @staticmethod
    def run(args) -> dict:
        from mtl.datasets.synthrooms import render_sample
        torch.set_num_threads(1)
        size = tuple(args.size)
        render_sample(0, 0, size)
        start, cpu_start = time.perf_counter(), time.process_time()
        for index in range(args.num):
            render_sample(0, index, size)
        rate = args.num / (time.perf_counter() - start)
        cpu_rate = args.num / (time.process_time() - cpu_start)
        print(f'SynthRooms {size[0]}×{size[1]}: {rate:.1f} samples/s on one core (wall clock), '
              f'{cpu_rate:.1f} per CPU second (what a shared machine leaves of a core)')
        return dict(benchmark='synthrooms', img_size=list(size), samples=args.num,
                    samples_per_s_per_core=rate, samples_per_cpu_s=cpu_rate)
