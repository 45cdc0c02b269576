"""Single-task baselines of a multi-task config, for Δm: ``python tools/baselines.py CONFIG``.

For each evaluated task (or ``--tasks``) derives the single-task config (same backbone,
schedule and data; the task's branch, head and losses; fixed weights;
:mod:`mtl.utils.single_task`), trains and tests it for each ``--seeds`` value, one run after
another, and writes ``<work-dir>/<task>.json``: the test metrics averaged over the seeds, in
the format ``tools/test.py --baselines <work-dir>`` reads. Each run has its folder
``<work-dir>/<task>/seed<k>`` (config, log, checkpoint, metrics); a folder that already
holds ``metrics.json`` is not run again. ``--dry-run`` writes and describes the derived
configs without training. No paper beyond the Δm protocol (Maninis et al., CVPR 2019).
"""
import argparse
import copy
import math
import os
import os.path as osp
from typing import Dict, List

from mmengine.config import Config, DictAction

from mtl.engine.runner_utils import CONFIG_HELP, read_config, run_training, save_metrics
from mtl.utils.single_task import evaluated_tasks, single_task_config
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='multi-task config file, e.g. configs/hps_synthrooms.py')
    parser.add_argument('--work-dir', help='where the runs and the baselines <task>.json go '
                                           '(default: work_dirs/<config name>_baselines)')
    parser.add_argument('--tasks', nargs='+', help='the tasks (default: every evaluated task)')
    parser.add_argument('--seeds', nargs='+', type=int,
                        help='training seeds (randomness.seed); the baseline is their mean '
                             '(default: the config\'s seed)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help=f'applied to the multi-task config before deriving: {CONFIG_HELP}')
    parser.add_argument('--dry-run', action='store_true',
                        help='write and describe the derived configs, train nothing')
    return parser.parse_args()


def describe(task: str, cfg: Config, notes: List[str]) -> str:
    """What a derived config keeps and drops, in a few lines."""
    model = cfg.model
    evaluators = cfg.get('test_evaluator') or cfg.get('val_evaluator') or []
    lines = [f'{task}: tasks {list(model.tasks)}, losses {list(model.losses)}, interactions '
             f'{list(model.interactions)}, combiner {dict(model.combiner)}, metrics '
             f'{[m["type"] for m in evaluators]}']
    return '\n'.join(lines + [f'  {note}' for note in notes])


def mean_metrics(runs: Dict[int, Dict[str, float]]) -> Dict[str, float]:
    """The mean over seeds of every metric (NaN stays NaN)."""
    keys = next(iter(runs.values())).keys()
    return {k: math.fsum(float(m[k]) for m in runs.values()) / len(runs) for k in keys}


def with_seed(cfg: Config, seed: int) -> Config:
    seeded = copy.deepcopy(cfg)
    seeded.randomness = dict(seeded.get('randomness') or {}, seed=seed)
    return seeded


def derive_all(cfg: Config, tasks: List[str]) -> Dict[str, tuple]:
    """Every task's derived config, before anything trains (an error stops all)."""
    return {task: single_task_config(cfg, task) for task in tasks}


def run_baselines(cfg: Config, config: str, work_dir: str, tasks: List[str],
                  seeds: List[int]) -> Dict[str, Dict[int, dict]]:
    """Train and test every task's baseline for every seed, one run after another; write
    ``<work_dir>/<task>.json`` (mean over seeds) and return ``{task: {seed: metrics}}``."""
    derived = derive_all(cfg, tasks)
    for task, (task_cfg, notes) in derived.items():
        print(describe(task, task_cfg, notes), flush=True)
    runs = [(task, seed) for task in tasks for seed in seeds]
    results: Dict[str, Dict[int, dict]] = {task: {} for task in tasks}
    for i, (task, seed) in enumerate(runs, 1):
        run_dir = osp.join(work_dir, task, f'seed{seed}')
        results[task][seed] = run_training(with_seed(derived[task][0], seed), run_dir,
                                           f'[{i}/{len(runs)}] {task} seed {seed}')
        if len(results[task]) == len(seeds):
            out = osp.join(work_dir, f'{task}.json')
            save_metrics(mean_metrics(results[task]), out, dict(
                config=config, task=task, seeds=seeds, dropped=derived[task][1],
                per_seed={str(s): m for s, m in results[task].items()}))
            print(f'{task}: baseline (mean over seeds {seeds}) saved to {out}', flush=True)
    return results


def main():
    args = parse_args()
    cfg = read_config(args.config, args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join('work_dirs', f'{name}_baselines')
    tasks = args.tasks or evaluated_tasks(cfg.model)
    seeds = args.seeds or [int((cfg.get('randomness') or {}).get('seed', 0))]
    if not args.dry_run:
        run_baselines(cfg, args.config, work_dir, tasks, seeds)
        print(f'Baselines in {work_dir}: python tools/test.py {args.config} CHECKPOINT '
              f'--baselines {work_dir}')
        return
    for task, (task_cfg, notes) in derive_all(cfg, tasks).items():
        path = osp.join(work_dir, task, 'config.py')
        os.makedirs(osp.dirname(path), exist_ok=True)
        task_cfg.dump(path)
        print(f'{describe(task, task_cfg, notes)}\n  config: {path}')
    print(f'--dry-run: {len(tasks) * len(seeds)} runs (tasks {tasks}, seeds {seeds}) not started')


if __name__ == '__main__':
    run_tool(main)
