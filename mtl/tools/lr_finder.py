"""Learning-rate range test: ``python tools/lr_finder.py configs/multidepth_kitti.py``.

Smith, "Cyclical Learning Rates for Training Neural Networks" (WACV 2017, Sec. 3.3), as
MultiDepth chose its learning rate (Liebel & Körner 2019, Sec. 3.4, Fig. 4): train a freshly
initialised model from the config for a few hundred iterations while the learning rate grows
exponentially from a minuscule to an excessive value, lr_i = start · (end / start)^(i / (N − 1)),
and watch the loss. The loss is smoothed with a bias-corrected exponential moving average; the
sweep stops early once a loss is not finite or the smoothed loss has risen above its minimum
by more than ``diverge − 1`` times the magnitude of the first smoothed loss (for a positive
loss that starts near its minimum: the usual "4× the minimum"; unlike a plain ratio this
stays meaningful when learned uncertainty weights drive the total loss below zero).

Suggestions (printed, and saved with the curve to ``lr_finder.json`` and ``lr_finder.png``):

* ``steepest_lr``: where the smoothed loss falls fastest per decade of lr (MultiDepth picked
  1e-4, "close to the steepest descent");
* ``decreasing_range``: the lr interval from the end of the initial plateau to the lowest
  smoothed loss, in which the loss decreases (the shaded interval of the paper's Fig. 4);
* ``min_loss_lr``: the lr of the lowest smoothed loss (training diverges not far beyond it).

The config's optimizer (type, momentum, weight decay, per-module ``lr_mult``), model, train
dataloader and ``clip_grad`` are used as they are; its ``param_scheduler`` is replaced by the
sweep, and every parameter group keeps its ratio to the base learning rate. The monitored
loss is the config's total; with learned uncertainty weights it includes their
regularisers, which fall by themselves as the weights adapt at high learning rates, so the
sweep of a fixed-weight variant of the config shows the network's own response more clearly.
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Dict, Iterator, List, Sequence

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mtl.engine  # noqa: F401  (optimizer wrapper constructors)
from mtl.engine.runner_utils import read_config
from mtl.registry import MODELS
from mtl.utils.cli import run_tool


def exponential_lrs(start: float, end: float, num: int) -> np.ndarray:
    """``num`` learning rates from ``start`` to ``end``, equally spaced in log lr."""
    if not 0 < start < end:
        raise ValueError(f'need 0 < start_lr < end_lr, got {start}, {end}')
    if num < 2:
        raise ValueError(f'the sweep needs at least 2 iterations, got {num}')
    return start * (end / start) ** (np.arange(num) / (num - 1))


def smooth(losses: Sequence[float], beta: float = 0.9) -> np.ndarray:
    """Bias-corrected exponential moving average: m_i = β·m_{i−1} + (1 − β)·L_i, m_0 = 0,
    returned as m_i / (1 − β^{i+1})."""
    if not 0 <= beta < 1:
        raise ValueError(f'beta must be in [0, 1), got {beta}')
    out, mean = [], 0.0
    for i, loss in enumerate(losses):
        mean = beta * mean + (1 - beta) * float(loss)
        out.append(mean / (1 - beta ** (i + 1)))
    return np.asarray(out)


def suggest(lrs: Sequence[float], smoothed: Sequence[float], skip_start: int = 5,
            tolerance: float = 0.05) -> Dict:
    """Steepest descent, the decreasing range and the minimum of a smoothed loss curve.

    The decreasing range ends at the lowest loss and starts at the end of the initial
    plateau: the last point before the minimum whose loss is still within ``tolerance`` of
    the total drop from the reference level (the loss after ``skip_start`` points, when the
    moving average has settled). The steepest point is searched inside that range, with the
    slope (loss change per decade of lr) taken over a window of about 2 % of the sweep on
    each side, so that single noisy steps do not decide it.
    """
    lrs, smoothed = np.asarray(lrs, dtype=float), np.asarray(smoothed, dtype=float)
    if len(lrs) < 3 or len(lrs) != len(smoothed):
        raise ValueError(f'need at least 3 (lr, loss) points of equal count, got '
                         f'{len(lrs)} and {len(smoothed)}')
    best = int(np.argmin(smoothed))
    reference = smoothed[min(skip_start, best)]
    drop = reference - smoothed[best]
    plateau = np.nonzero(smoothed[:best + 1] >= reference - tolerance * drop)[0]
    low = int(plateau[-1]) if len(plateau) else 0
    slope = windowed_slope(np.log10(lrs), smoothed, max(1, len(lrs) // 50))
    steepest = low + int(np.argmin(slope[low:best + 1]))
    return dict(steepest_lr=float(lrs[steepest]), steepest_slope=float(slope[steepest]),
                decreasing_range=(float(lrs[low]), float(lrs[best])),
                min_loss_lr=float(lrs[best]), decreases=bool(drop > 0 and slope[steepest] < 0))


def windowed_slope(x: np.ndarray, y: np.ndarray, half_width: int) -> np.ndarray:
    """dy/dx at each point from the points ``half_width`` before and after (clipped at the ends)."""
    index = np.arange(len(x))
    before = np.clip(index - half_width, 0, len(x) - 1)
    after = np.clip(index + half_width, 0, len(x) - 1)
    return (y[after] - y[before]) / (x[after] - x[before])


def cycle(loader) -> Iterator:
    while True:
        yield from loader


def range_test(cfg: Config, start_lr: float, end_lr: float, num_iters: int, beta: float,
               diverge: float, log=print) -> Dict[str, List[float]]:
    """Run the sweep on the config's model, train dataloader and optimizer."""
    init_default_scope(cfg.get('default_scope', 'mtl'))
    seed = (cfg.get('randomness') or {}).get('seed', 0)
    torch.manual_seed(seed)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    model = MODELS.build(cfg.model).to(device)
    model.init_weights()
    model.train()
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    groups = optim_wrapper.optimizer.param_groups
    reference = float(cfg.optim_wrapper.optimizer.lr)
    ratios = [group['lr'] / reference for group in groups]
    lrs, losses, best = exponential_lrs(start_lr, end_lr, num_iters), [], math.inf
    batches, mean, scale = cycle(loader), 0.0, None
    for i, lr in enumerate(lrs):
        for group, ratio in zip(groups, ratios):
            group['lr'] = float(lr) * ratio
        loss = model.train_step(next(batches), optim_wrapper)['loss'].item()
        losses.append(loss)
        mean = beta * mean + (1 - beta) * loss
        current = mean / (1 - beta ** (i + 1))
        scale = abs(current) if scale is None else scale
        best = min(best, current)
        if i % 10 == 0:
            log(f'iter {i:4d}  lr {lr:.3e}  loss {loss:.4f}  smoothed {current:.4f}')
        if not math.isfinite(loss) or current - best > (diverge - 1) * scale:
            log(f'stopped at iter {i}: the loss diverged (lr {lr:.3e})')
            break
    finite = [i for i, loss in enumerate(losses) if math.isfinite(loss)]
    losses = [losses[i] for i in finite]
    return dict(lr=[float(lrs[i]) for i in finite], loss=losses,
                smoothed=smooth(losses, beta).tolist())


def plot(result: Dict, path: str) -> str:
    """Loss versus lr (log axis): raw and smoothed loss, the decreasing range shaded and
    the steepest-descent lr dashed, as in MultiDepth's Fig. 4."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogx(result['lr'], result['loss'], color='0.75', lw=1, label='loss')
    ax.semilogx(result['lr'], result['smoothed'], color='C0', lw=2, label='smoothed loss')
    suggestion = result['suggestion']
    ax.axvspan(*suggestion['decreasing_range'], color='C2', alpha=0.15, label='loss decreases')
    ax.axvline(suggestion['steepest_lr'], color='C3', ls='--',
               label=f'steepest descent ({suggestion["steepest_lr"]:.1e})')
    ax.set_xlabel('learning rate')
    ax.set_ylabel('training loss')
    low, high = np.percentile(result['smoothed'], [0, 95])
    ax.set_ylim(low - 0.1 * (high - low), high + 0.3 * (high - low))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file, e.g. configs/multidepth_kitti.py')
    parser.add_argument('--start-lr', type=float, default=1e-7)
    parser.add_argument('--end-lr', type=float, default=1.0)
    parser.add_argument('--num-iters', type=int, default=250,
                        help='sweep length (MultiDepth: 250 optimisation steps)')
    parser.add_argument('--beta', type=float, default=0.9, help='loss smoothing factor')
    parser.add_argument('--diverge', type=float, default=4.0,
                        help='stop when the smoothed loss rises above its minimum by (diverge - 1) '
                             'times the first smoothed loss')
    parser.add_argument('--out', help='output folder (default: work_dirs/<config>/lr_finder)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_dataloader.batch_size=8')
    return parser.parse_args(argv)


def main(argv=None) -> Dict:
    args = parse_args(argv)
    cfg = read_config(args.config, args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    out = args.out or osp.join('work_dirs', name, 'lr_finder')
    os.makedirs(out, exist_ok=True)
    result = range_test(cfg, args.start_lr, args.end_lr, args.num_iters, args.beta, args.diverge)
    if len(result['lr']) < 3:
        raise RuntimeError(f'The loss diverged after {len(result["lr"])} iterations; start '
                           f'the sweep lower than --start-lr {args.start_lr:g}.')
    result['suggestion'] = suggest(result['lr'], result['smoothed'])
    result.update(config=args.config, start_lr=args.start_lr, end_lr=args.end_lr, beta=args.beta)
    with open(osp.join(out, 'lr_finder.json'), 'w') as f:
        json.dump(result, f, indent=1)
    plot(result, osp.join(out, 'lr_finder.png'))
    s = result['suggestion']
    print(f'steepest descent of the smoothed loss at lr = {s["steepest_lr"]:.2e}'
          f'{"" if s["decreases"] else " (but the loss never decreased)"}\n'
          f'the smoothed loss decreases for {s["decreasing_range"][0]:.2e} <= lr <= '
          f'{s["decreasing_range"][1]:.2e}\nlowest smoothed loss at lr = {s["min_loss_lr"]:.2e}\n'
          f'curve and plot saved to {out}/lr_finder.json and lr_finder.png')
    return result


if __name__ == '__main__':
    run_tool(main)
