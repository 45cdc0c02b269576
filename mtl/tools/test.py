"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``.

Prints the metrics as a table and saves them as JSON; ``--show-dir`` writes one labelled
panel per sample (input | ground truth | prediction | error for every task, colour bars
and class legends) and the depth statistics plot; ``--tta flip`` averages each
prediction with that of the mirrored image; ``--baselines DIR`` prints Δm against the
single-task metrics JSONs in DIR (``mtl/evaluation/delta_m.py``).
"""
import argparse
import os.path as osp
import time

import mtl.engine  # noqa: F401  (safe checkpoint loading, hooks)
from mtl.engine.runner_utils import (add_common_args, build_runner, format_metrics, load_config,
                                     save_metrics)
from mtl.evaluation.delta_m import delta_m_table, load_baselines
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_common_args(parser, checkpoint=True)
    parser.add_argument('--out', help='metrics JSON path (default: <work-dir>/metrics_<time>.json)')
    parser.add_argument('--show-dir', help='write a labelled panel per sample here')
    parser.add_argument('--per-image-range', action='store_true',
                        help='with --show-dir: colour depth over each image\'s range, not the dataset\'s')
    parser.add_argument('--ply', action='store_true',
                        help='with --show-dir: also write predicted depth as coloured point clouds')
    parser.add_argument('--tta', choices=['none', 'flip'],
                        help='test-time augmentation (default: as the config\'s model.test_cfg says)')
    parser.add_argument('--baselines', metavar='DIR',
                        help='print the multi-task performance Δm against the single-task '
                             'baselines\' metrics JSONs in DIR')
    return parser.parse_args()


def main():
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint "{args.checkpoint}" does not exist.')
    if args.baselines:
        load_baselines(args.baselines)  # a missing or malformed directory fails before testing
    cfg = load_config(args)
    cfg.load_from, cfg.resume = args.checkpoint, False
    cfg.load_renames = {}  # the checkpoint is this config's own: its keys need no renaming
    if args.tta:
        cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {}, flip=args.tta == 'flip')
    tta = 'flip' if (cfg.model.get('test_cfg') or {}).get('flip') else 'none'
    if args.show_dir:
        hook = dict(cfg.default_hooks.get('visualization') or dict(type='SamplePanelHook'))
        hook.update(out_dir=args.show_dir, per_image_range=args.per_image_range, ply=args.ply)
        cfg.default_hooks.visualization = hook
    elif args.ply or args.per_image_range:
        raise ValueError('--ply and --per-image-range apply to the pictures: add --show-dir DIR')
    runner = build_runner(cfg)
    metrics = runner.test()
    out = args.out or osp.join(cfg.work_dir, f'metrics_{time.strftime("%Y%m%d_%H%M%S")}.json')
    save_metrics(metrics, out, dict(config=args.config, checkpoint=args.checkpoint, tta=tta))
    print(format_metrics(metrics))
    if args.baselines:
        print(delta_m_table(runner.test_evaluator.metrics, metrics, args.baselines))
    print(f'Metrics saved to {out}')


if __name__ == '__main__':
    run_tool(main)
