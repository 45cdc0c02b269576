"""``benchmark.py attention``: peak memory of the attention loss (CI-Net Eq. 4, forward +
backward) against the number of pixels N, computed whole (N×N) and in row blocks: O(N²)
against O(N).

No paper beyond the loss's own (see its module); measurement only.
"""
import multiprocessing
import os
import resource

import torch

from mtl.registry import MODELS
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



def add_arguments(parser) -> None:
    parser.add_argument('--sizes', type=int, nargs='+', default=[1024, 2048, 4096])
    parser.add_argument('--chunk', type=int, default=256, help='rows per block')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--channels', type=int, default=64, help='channels of Q and K')
    parser.add_argument('--max-direct', type=int, default=0,
                        help='skip the direct loss above this N (0: never)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')


run = bench_attention
