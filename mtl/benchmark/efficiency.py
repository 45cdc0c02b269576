"""``benchmark.py efficiency``: the train step's achieved FLOP/s over this machine's GEMM rate.

No paper: measurement. A train step costs about 3× its forward FLOPs (forward, and a
backward that computes gradients of inputs and of weights). ``mmengine.analysis``
counts a multiply-add as one FLOP, so forward FLOPs = 2 × its count. Rounds alternate
``--iters`` train steps and square fp32 matrix products (``--gemm-size``, 2n³ FLOPs
each) with the same threads; the fraction is achieved / GEMM FLOP/s per round.
``--profile`` adds a torch.profiler breakdown of self CPU time by kind of operator and
the forward time by top-level module (backbone, branches, heads, losses, …).
"""
import re
from collections import defaultdict
from contextlib import contextmanager

import torch
from mmengine.analysis import FlopAnalyzer

from mtl.benchmark.rounds import (add_config_arguments, batch_size_of, cached_batches,
                                  format_ratio, interleave, load_cfg)
from mtl.benchmark.train import build_train_step

OP_KINDS = (  # first match wins; matched against the lower-cased operator name
    ('convs', r'conv'),
    ('up-sampling', r'upsample|interpolat|grid_sampl'),
    ('norms', r'batch_norm|layer_norm|group_norm|native_norm'),
    ('copies', r'copy|contiguous|clone|::to$|_to_copy|cat$|stack|pad|flip'),
    ('losses', r'loss|nll|cross_entropy|log_softmax|smooth_l1'),
    ('matmul', r'mm$|matmul|linear|addmm'),
    ('optimizer', r'adam|_foreach|addcdiv|lerp|clip|norm$'),
    ('activations', r'relu|threshold|sigmoid|gelu|softmax|tanh'),
    ('element-wise', r'add|mul|sub|div|where|sum|mean|max|min|abs|pow|sqrt|exp|log'),
)
TOP_OPS = 12


def forward_flops(model, batch) -> float:
    """Forward FLOPs (2 × multiply-adds) of the model's tensor mode on the batch's images."""
    data = model.data_preprocessor(batch, True)
    was_training = model.training
    model.eval()
    try:
        macs = FlopAnalyzer(model, (data['inputs'],)).unsupported_ops_warnings(False) \
            .uncalled_modules_warnings(False).total()
    finally:
        model.train(was_training)
    return 2.0 * macs


def gemm(size: int, repeats: int):
    a, b = torch.randn(size, size), torch.randn(size, size)

    def run():
        for _ in range(repeats):
            torch.mm(a, b)
    run.flops = 2.0 * size ** 3 * repeats
    return run


def op_kind(name: str) -> str:
    lowered = name.lower()
    return next((kind for kind, pattern in OP_KINDS if re.search(pattern, lowered)), 'other')


def labelled_modules(model):
    """Top-level children, and the members of top-level ModuleDicts/ModuleLists (never called)."""
    for name, child in model.named_children():
        if isinstance(child, (torch.nn.ModuleDict, torch.nn.ModuleList)):
            yield from ((f'{name}.{sub}', module) for sub, module in child.named_children())
        else:
            yield name, child


@contextmanager
def labelled_children(model):
    """Label the forward of each of ``labelled_modules`` in the profile as ``module:<name>``."""
    handles, contexts = [], {}
    for name, child in labelled_modules(model):
        def enter(module, args, name=name):
            contexts[name] = torch.profiler.record_function(f'module:{name}')
            contexts[name].__enter__()

        def leave(module, args, output, name=name):
            contexts.pop(name).__exit__(None, None, None)
        handles += [child.register_forward_pre_hook(enter), child.register_forward_hook(leave)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def profile(step, iters: int) -> dict:
    wrapper, update = step.wrapper, step.wrapper.step

    def labelled_update(*args, **kwargs):  # the optimizer step: clip and update
        with torch.profiler.record_function('module:optimizer step'):
            return update(*args, **kwargs)
    wrapper.step = labelled_update
    try:
        with labelled_children(step.model), torch.profiler.profile(
                activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            for _ in range(iters):
                step()
    finally:
        del wrapper.step  # back to the class's method
    kinds, modules, ops = defaultdict(float), {}, {}
    for event in prof.key_averages():
        if event.key.startswith('module:'):
            modules[event.key[len('module:'):]] = event.cpu_time_total / 1e3 / iters
        else:
            ops[event.key] = event.self_cpu_time_total / 1e3 / iters
            kinds[op_kind(event.key)] += ops[event.key]
    total = sum(kinds.values())
    print(f'top {TOP_OPS} operators by self CPU time per step:')
    for name, ms in sorted(ops.items(), key=lambda kv: -kv[1])[:TOP_OPS]:
        print(f'  {name:<40} {ms:8.1f} ms  ({op_kind(name)})')
    print('self CPU time per step by kind of operator:')
    for kind, ms in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f'  {kind:<12} {ms:8.1f} ms  {100 * ms / total:5.1f} %')
    print('time per step by top-level module (forward, inclusive) and optimizer step:')
    for name, ms in sorted(modules.items(), key=lambda kv: -kv[1]):
        print(f'  {name:<20} {ms:8.1f} ms')
    return dict(ms_by_op_kind=dict(kinds), forward_ms_by_module=modules)


def run(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    batch = cached_batches(cfg, 1, args.batch_size)[0]
    step = build_train_step(cfg, torch.device('cpu'), batch=batch)
    flops_per_step = 3.0 * forward_flops(step.model, batch)
    matmul = gemm(args.gemm_size, args.gemm_repeats)

    def train():
        for _ in range(args.iters):
            step()
    times = interleave({'train': train, 'gemm': matmul}, args.rounds)
    fractions = sorted((flops_per_step * args.iters / t) / (matmul.flops / g)
                       for t, g in zip(times['train'], times['gemm']))
    fraction = dict(median=fractions[len(fractions) // 2], min=fractions[0], max=fractions[-1],
                    rounds=len(fractions))
    gemm_rates = sorted(matmul.flops / g / 1e9 for g in times['gemm'])
    result = dict(benchmark='efficiency', config=args.config, batch_size=batch_size_of(batch),
                  img_size=list(batch['img'].shape[-2:]), threads=torch.get_num_threads(),
                  train_gflop_per_step=flops_per_step / 1e9,
                  gemm_gflop_per_s=gemm_rates[len(gemm_rates) // 2],
                  fraction_of_gemm=fraction)
    print(f'train step: {flops_per_step / 1e9:.2f} GFLOP (3 × forward); fp32 GEMM '
          f'{result["gemm_gflop_per_s"]:.1f} GFLOP/s ({torch.get_num_threads()} threads)')
    print(format_ratio('achieved FLOP/s / GEMM FLOP/s', fraction))
    if args.profile:
        result['profile'] = profile(step, args.iters)
    return result


def add_arguments(parser) -> None:
    add_config_arguments(parser, iters=3)
    parser.add_argument('--gemm-size', type=int, default=1024)
    parser.add_argument('--gemm-repeats', type=int, default=4)
    parser.add_argument('--profile', action='store_true', help='print a torch.profiler breakdown')
