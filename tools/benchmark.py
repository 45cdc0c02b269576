"""Speed and memory benchmarks.

    python tools/benchmark.py synthrooms [--num 200 --size 96 128]
        SynthRooms rendering speed (samples/s on one core).
    python tools/benchmark.py data CONFIG [--split train --workers 0 1 2 --batches 50]
        data-pipeline throughput of a config's dataloader (samples/s, and per worker).
    python tools/benchmark.py train CONFIG [--iters 20 --device cpu|cuda --amp --batch-size N]
        train-step throughput (samples/s, ms/iteration) and peak memory.
    python tools/benchmark.py combiners CONFIG [--combiners FixedWeighting PCGrad ... --rounds 3]
        train-step time and peak memory of each loss combiner on the config's model and one
        batch, measured in interleaved rounds, as ratios to the first combiner.
    python tools/benchmark.py attention [--sizes 1024 2048 4096 --chunk 256 --device cpu|cuda]
        peak memory of the attention loss (CI-Net Eq. 4, forward + backward) against the
        number of pixels N, computed whole (N×N) and in row blocks: O(N²) against O(N).

Results are printed and, with ``--out FILE``, saved as JSON.
"""
import argparse
import ast
import json
import multiprocessing
import os
import resource
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mtl.engine  # noqa: F401  (registers our optimizer wrappers)
from mtl.registry import MODELS
from mtl.utils.cli import run_tool


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_synthrooms(args) -> dict:
    from mtl.datasets.synthrooms import render_sample
    torch.set_num_threads(1)
    render_sample(0, 0, tuple(args.size))
    start = time.perf_counter()
    for index in range(args.num):
        render_sample(0, index, tuple(args.size))
    seconds = time.perf_counter() - start
    return dict(benchmark='synthrooms', img_size=args.size, samples=args.num,
                samples_per_s_per_core=args.num / seconds)


def load_cfg(args) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    DefaultScope.get_instance(f'benchmark-{time.time()}', scope_name=cfg.get('default_scope', 'mtl'))
    return cfg


def bench_data(args) -> dict:
    cfg = load_cfg(args)
    loader_cfg = cfg[f'{args.split}_dataloader']
    results = []
    for workers in args.workers:
        loader_cfg = dict(loader_cfg, num_workers=workers, persistent_workers=workers > 0)
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        iterator = iter(loader)
        next(iterator)  # start-up (workers, caches) is not timed
        samples, start = 0, time.perf_counter()
        for _ in range(args.batches):
            try:
                batch = next(iterator)
            except StopIteration:
                break
            samples += len(batch['meta'])
        seconds = time.perf_counter() - start
        rate = samples / seconds
        results.append(dict(workers=workers, samples_per_s=rate,
                            samples_per_s_per_worker=rate / max(workers, 1)))
        print(f'workers={workers}: {rate:.1f} samples/s ({rate / max(workers, 1):.1f} per worker)')
    return dict(benchmark='data', config=args.config, split=args.split, results=results)


def bench_train(args) -> dict:
    cfg = load_cfg(args)
    device = torch.device(args.device)
    model = MODELS.build(cfg.model).to(device).train()
    wrapper_cfg = dict(cfg.optim_wrapper)
    if args.amp:
        wrapper_cfg['type'] = 'AmpOptimWrapper' if device.type == 'cuda' else 'CPUAutocastOptimWrapper'
    constructor = wrapper_cfg.pop('constructor', 'MTLOptimWrapperConstructor')
    wrapper = build_optim_wrapper(model, dict(wrapper_cfg, constructor=constructor))
    loader_cfg = dict(cfg.train_dataloader, num_workers=0, persistent_workers=False)
    if args.batch_size:
        loader_cfg['batch_size'] = args.batch_size
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    for step in range(args.warmup + args.iters):
        if step == args.warmup:
            if device.type == 'cuda':
                torch.cuda.synchronize()
            start, cpu_start = time.perf_counter(), time.process_time()
        model.train_step(batch, wrapper)
    if device.type == 'cuda':
        torch.cuda.synchronize()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    size = len(batch['meta'])
    result = dict(benchmark='train', config=args.config, device=str(device), amp=args.amp,
                  batch_size=size, img_size=list(batch['img'].shape[-2:]),
                  ms_per_iter=1000 * seconds / args.iters, samples_per_s=size * args.iters / seconds,
                  cpu_ms_per_iter=1000 * cpu_seconds / args.iters,
                  threads=torch.get_num_threads(), peak_rss_mib=peak_rss_mib())
    if device.type == 'cuda':
        result['peak_cuda_mib'] = torch.cuda.max_memory_allocated() / 2 ** 20
    return result


def reset_peak_rss() -> None:
    """Linux: restart the process's peak resident set size (VmHWM) from the current one."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def peak_rss_now_mib() -> float:
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmHWM')) / 1024


def combiner_cfg(text: str) -> dict:
    """``Type`` or ``Type:key=value,key=value`` (values as Python literals)."""
    kind, _, options = text.partition(':')
    cfg = dict(type=kind)
    for option in filter(None, options.split(',')):
        key, _, value = option.partition('=')
        cfg[key] = ast.literal_eval(value)
    return cfg


def bench_combiners(args) -> dict:
    """One model per combiner (same seed, same weights), the same batch; each round runs
    ``--iters`` steps of every combiner in turn, so load on a shared machine hits all alike.
    Time: the median over rounds; memory: the peak RSS (CPU) or CUDA allocation during the
    combiner's steps, the largest over rounds, beyond the memory held before them."""
    cfg = load_cfg(args)
    device = torch.device(args.device)
    loader_cfg = dict(cfg.train_dataloader, num_workers=0, persistent_workers=False)
    if args.batch_size:
        loader_cfg['batch_size'] = args.batch_size
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    runs = {}
    for name in args.combiners:
        torch.manual_seed(0)
        model = MODELS.build(dict(cfg.model, combiner=combiner_cfg(name))).to(device).train()
        wrapper_cfg = dict(cfg.optim_wrapper)
        constructor = wrapper_cfg.pop('constructor', 'MTLOptimWrapperConstructor')
        runs[name] = (model, build_optim_wrapper(model, dict(wrapper_cfg, constructor=constructor)))
        model.train_step(batch, runs[name][1])  # warm-up
    times = {name: [] for name in runs}
    memory = {name: 0.0 for name in runs}
    for _ in range(args.rounds):
        for name, (model, wrapper) in runs.items():
            if device.type == 'cuda':
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
                base = torch.cuda.memory_allocated()
            else:
                reset_peak_rss()
                base = peak_rss_now_mib() * 2 ** 20
            start = time.perf_counter()
            for _ in range(args.iters):
                model.train_step(batch, wrapper)
            if device.type == 'cuda':
                torch.cuda.synchronize()
            times[name].append(1000 * (time.perf_counter() - start) / args.iters)
            peak = torch.cuda.max_memory_allocated() if device.type == 'cuda' else peak_rss_now_mib() * 2 ** 20
            memory[name] = max(memory[name], (peak - base) / 2 ** 20)
    median = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
    first = args.combiners[0]
    return dict(benchmark='combiners', config=args.config, device=str(device),
                batch_size=len(batch['meta']), rounds=args.rounds, iters=args.iters,
                results={name: dict(ms_per_iter=median[name], time_ratio=median[name] / median[first],
                                    peak_extra_mib=memory[name],
                                    memory_ratio=memory[name] / memory[first] if memory[first] else None)
                         for name in runs})
def attention_point(n: int, chunk, batch: int, channels: int, device: str) -> float:
    """MiB the attention loss's forward and backward need beyond their inputs. On the CPU
    this runs in a fresh process whose allocations above 64 KiB are mapped and unmapped
    one by one (MALLOC_MMAP_THRESHOLD_), so that its peak resident size is the peak in use."""
    torch.manual_seed(0)
    query = torch.randn(batch, n, channels, device=device, requires_grad=True)
    key = torch.randn(batch, n, channels, device=device, requires_grad=True)
    labels = torch.randint(0, 10, (batch, n), device=device)
    loss = MODELS.build(dict(type='AttentionLoss', chunk_size=chunk))
    if device == 'cuda':
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
    else:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    loss(query, key, labels).backward()
    if device == 'cuda':
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2 ** 20
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base) / 2 ** 20


def _attention_child(queue, *args) -> None:
    queue.put(attention_point(*args))


def bench_attention(args) -> dict:
    rows = []
    context = multiprocessing.get_context('spawn')
    os.environ['MALLOC_MMAP_THRESHOLD_'] = '65536'  # read by each spawned child's malloc
    for n in args.sizes:
        row = dict(n=n)
        for name, chunk in (('direct', None), ('chunked', args.chunk)):
            if name == 'direct' and args.max_direct and n > args.max_direct:
                continue
            point = (n, chunk, args.batch, args.channels, args.device)
            if args.device == 'cuda':
                row[f'{name}_mib'] = attention_point(*point)
            else:
                queue = context.Queue()
                child = context.Process(target=_attention_child, args=(queue, *point))
                child.start()
                row[f'{name}_mib'] = queue.get()
                child.join()
        rows.append(row)
        print('  '.join(f'{k}={v:.1f}' if isinstance(v, float) else f'{k}={v}'
                        for k, v in row.items()))
    return dict(benchmark='attention', device=args.device, batch=args.batch, channels=args.channels,
                chunk=args.chunk, rows=rows)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', help='save the results as JSON here')
    sub = parser.add_subparsers(dest='command', required=True)
    synth = sub.add_parser('synthrooms', help='SynthRooms rendering speed')
    synth.add_argument('--num', type=int, default=200)
    synth.add_argument('--size', type=int, nargs=2, default=(96, 128), metavar=('H', 'W'))
    for name in ('data', 'train', 'combiners'):
        p = sub.add_parser(name)
        p.add_argument('config')
        p.add_argument('--cfg-options', nargs='+', action=DictAction)
    data = sub.choices['data']
    data.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    data.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    data.add_argument('--batches', type=int, default=50)
    train = sub.choices['train']
    train.add_argument('--iters', type=int, default=20)
    train.add_argument('--warmup', type=int, default=3)
    train.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    train.add_argument('--amp', action='store_true')
    train.add_argument('--batch-size', type=int)
    combiners = sub.choices['combiners']
    combiners.add_argument('--combiners', nargs='+', required=True,
                           help='Type or Type:key=value,...; the first is the reference')
    combiners.add_argument('--rounds', type=int, default=3)
    combiners.add_argument('--iters', type=int, default=3)
    combiners.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    combiners.add_argument('--batch-size', type=int)
    attention = sub.add_parser('attention', help='attention-loss peak memory against N')
    attention.add_argument('--sizes', type=int, nargs='+', default=[1024, 2048, 4096])
    attention.add_argument('--chunk', type=int, default=256, help='rows per block')
    attention.add_argument('--batch', type=int, default=2)
    attention.add_argument('--channels', type=int, default=64, help='channels of Q and K')
    attention.add_argument('--max-direct', type=int, default=0,
                           help='skip the direct loss above this N (0: never)')
    attention.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


def main():
    args = parse_args()
    result = {'synthrooms': bench_synthrooms, 'data': bench_data, 'train': bench_train,
              'combiners': bench_combiners, 'attention': bench_attention}[args.command](args)
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    run_tool(main)
