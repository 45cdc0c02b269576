"""Train a model from a config: ``python tools/train.py configs/hps_synthrooms.py``.

Writes logs, TensorBoard events and checkpoints under the work directory, then
evaluates the last model on the config's test set and saves ``metrics.json`` there.
"""
import argparse
import os.path as osp

import mtl.engine  # noqa: F401  (safe checkpoint loading, hooks, optimizer wrappers)
from mtl.engine.performance import add_performance_args, apply_performance_options
from mtl.engine.runner import latest_checkpoint
from mtl.engine.runner_utils import (add_common_args, build_runner, format_metrics, load_config,
                                     save_metrics)
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_common_args(parser)
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help='resume from a checkpoint path, or (no value) from the latest '
                             'checkpoint in the work directory')
    add_performance_args(parser)  # --amp, --channels-last, --compile, ... (docs/performance.md)
    parser.add_argument('--no-test', action='store_true', help='skip the final test evaluation')
    return parser.parse_args()


def apply_training_options(cfg, args) -> None:
    apply_performance_options(cfg, args)
    if args.resume == 'auto':
        if latest_checkpoint(cfg.work_dir) is None:
            raise FileNotFoundError(
                f'--resume: nothing to resume in {cfg.work_dir} (no last_checkpoint there). '
                f'Pass the work dir of the run to continue (--work-dir), a checkpoint '
                f'(--resume PATH), or drop --resume to start from scratch.')
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume


def main():
    args = parse_args()
    cfg = load_config(args)
    apply_training_options(cfg, args)
    runner = build_runner(cfg)
    runner.train()
    if not args.no_test and cfg.get('test_dataloader') and cfg.get('test_evaluator'):
        metrics = runner.test()
        path = save_metrics(metrics, osp.join(cfg.work_dir, 'metrics.json'),
                            dict(config=args.config, checkpoint='final weights of this run'))
        runner.logger.info(f'Test metrics (saved to {path}):\n{format_metrics(metrics)}')


if __name__ == '__main__':
    run_tool(main)
