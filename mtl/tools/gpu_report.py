"""GPU speed report: the flagship and the main job in fp32 / bf16 / bf16+channels_last / +compile.

    python tools/gpu_report.py [--configs A.py B.py] [--iters 20] [--out docs/gpu_report.md]
    python tools/gpu_report.py --dry-run --configs tests/configs/tiny_hps_synthrooms.py

For each config and variant, one process measures the train step (``model.train_step``
through the config's optim wrapper, one cached batch): samples/s, peak GPU memory, and
the achieved FLOP/s (3 × forward FLOPs, ``mtl.benchmark.efficiency``) as a fraction of the
bf16 GEMM rate measured in the same run (``--gemm-size`` square products). Writes a
markdown table. ``--dry-run`` runs every step of the report on the CPU with one
iteration, a small GEMM and ``torch.compile(backend='eager')``, so that CI covers the
script; its numbers are not measurements.
"""
import argparse
import time

import torch

from mtl.benchmark.efficiency import forward_flops
from mtl.benchmark.rounds import batch_size_of, cached_batches, load_cfg
from mtl.benchmark.train import build_train_step, peak_memory_mib, seconds_per_step, synchronize
from mtl.utils.cli import run_tool

CONFIGS = ('configs/jiao_nyud2_40c.py', 'configs/hps_synthrooms.py')
VARIANTS = (  # name, amp, channels_last, compile
    ('fp32', None, False, False),
    ('bf16', 'bf16', False, False),
    ('bf16 + channels_last', 'bf16', True, False),
    ('bf16 + channels_last + compile', 'bf16', True, True),
)


def gemm_rate(device, size: int, repeats: int) -> float:
    """bf16 FLOP/s of square matrix products on ``device``."""
    a = torch.randn(size, size, device=device, dtype=torch.bfloat16)
    b = torch.randn(size, size, device=device, dtype=torch.bfloat16)
    torch.mm(a, b)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    synchronize(device)
    return 2.0 * size ** 3 * repeats / (time.perf_counter() - start)


def measure(cfg, device, variant, batch, args) -> dict:
    name, amp, channels_last, compile = variant
    if device.type == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    options = dict(backend='eager') if compile and args.dry_run else compile
    step = build_train_step(cfg, device, amp, channels_last, options, batch)
    seconds = seconds_per_step(step, device, args.warmup, args.iters)
    return dict(variant=name, samples_per_s=batch_size_of(batch) / seconds, step_s=seconds,
                peak_memory_mib=peak_memory_mib(device))


def report(args) -> str:
    device = torch.device('cpu' if args.dry_run else 'cuda')
    lines = [f'Train step on {device_name(device)}; torch {torch.__version__}; '
             f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.']
    if args.dry_run:
        lines.append('DRY RUN on the CPU: checks the script, the numbers are not measurements.')
    lines += ['', '| config | variant | batch | samples/s | × fp32 | peak memory (MiB) | '
                  'of bf16 GEMM peak |', '|---|---|---|---|---|---|---|']
    for path in args.configs:
        cfg = load_cfg(path, args.cfg_options)
        batch = cached_batches(cfg, 1, args.batch_size)[0]
        flops = 3.0 * forward_flops(build_train_step(cfg, torch.device('cpu'), batch=batch).model,
                                    batch)
        fp32 = None
        for variant in VARIANTS:
            peak = gemm_rate(device, args.gemm_size, args.gemm_repeats)  # next to each variant
            row = measure(cfg, device, variant, batch, args)
            fp32 = fp32 or row['samples_per_s']
            fraction = flops / row['step_s'] / peak
            lines.append(f'| {path} | {row["variant"]} | {batch_size_of(batch)} | '
                         f'{row["samples_per_s"]:.1f} | {row["samples_per_s"] / fp32:.2f} | '
                         f'{row["peak_memory_mib"]:.0f} | {100 * fraction:.1f} % |')
            print(lines[-1], flush=True)
    return '\n'.join(lines) + '\n'


def device_name(device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return f'CPU ({torch.get_num_threads()} threads)'


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--configs', nargs='+', default=list(CONFIGS))
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='applied to every config')
    parser.add_argument('--batch-size', type=int, help="override the configs' train batch size")
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--gemm-size', type=int, default=8192)
    parser.add_argument('--gemm-repeats', type=int, default=20)
    parser.add_argument('--dry-run', action='store_true', help='on the CPU, in seconds (for CI)')
    parser.add_argument('--out', help='write the markdown table here')
    args = parser.parse_args()
    if args.dry_run:
        args.iters, args.warmup, args.gemm_size, args.gemm_repeats = 1, 0, 128, 1
    elif not torch.cuda.is_available():
        parser.error('no CUDA device: run on a GPU machine, or pass --dry-run to check the script.')
    return args


def main():
    args = parse_args()
    table = report(args)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table)


if __name__ == '__main__':
    run_tool(main)
