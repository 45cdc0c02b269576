"""Compare loss combiners on one config and budget: ``python tools/compare_combiners.py CONFIG
--combiners FixedWeighting PCGrad ... --seeds 0 1 --columns depth/abs_rel seg/miou``.

Trains and tests the config once per combiner and seed (``model.combiner`` replaced by the
method, ``randomness.seed`` by the seed), one run after another in
``<work-dir>/<method>/seed<k>``, and the single-task baselines of its tasks for the same
seeds (``mtl.tools.baselines``, in ``<work-dir>/baselines``, unless ``--baselines DIR`` gives
them); then prints a markdown table: per method the mean ± sample standard deviation over
the seeds of each ``--columns`` metric and of Δm (Maninis et al., CVPR 2019; Vandenhende et
al., TPAMI 2021, Eq. 9) against the baselines' means, the baselines in the last row. A run
folder that already holds ``metrics.json`` is not run again, so an interrupted grid resumes;
``--report-only`` trains nothing and tabulates the runs finished so far (the ``seeds`` column
says how many each row has).
"""
import argparse
import copy
import json
import os.path as osp
import statistics
from glob import glob
from typing import Dict, List, Sequence

from mmengine.config import Config, DictAction

from mtl.benchmark.combiners import combiner_cfg
from mtl.engine.runner_utils import CONFIG_HELP, read_config, read_metrics, run_training
from mtl.evaluation.delta_m import delta_m, load_baselines, measures
from mtl.registry import METRICS, MODELS
from mtl.tools.baselines import run_baselines
from mtl.utils.cli import run_tool
from mtl.utils.single_task import evaluated_tasks


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='multi-task config file')
    parser.add_argument('--combiners', nargs='+', required=True,
                        help='Type or Type:key=value,... (values as Python literals)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1], help='training seeds')
    parser.add_argument('--columns', nargs='+', required=True,
                        help='test metrics to tabulate beside Δm, e.g. depth/abs_rel seg/miou')
    parser.add_argument('--work-dir', help='where the runs go (default: work_dirs/<config '
                                           'name>_combiners)')
    parser.add_argument('--baselines', metavar='DIR', help='single-task baselines already made '
                        '(tools/baselines.py); default: train them into <work-dir>/baselines')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CONFIG_HELP)
    parser.add_argument('--out', help='also write the markdown table to this file')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing: tabulate the finished runs (and baselines) only')
    return parser.parse_args()


def label(spec: str) -> str:
    """A folder name for a combiner spec (``DynamicWeightAverage:period=15`` ->
    ``DynamicWeightAverage_period=15``)."""
    return spec.replace(':', '_').replace(',', '_')


def with_combiner(cfg: Config, spec: str, seed: int) -> Config:
    run = copy.deepcopy(cfg)
    run.model.combiner = combiner_cfg(spec)
    run.randomness = dict(run.get('randomness') or {}, seed=seed)
    return run


def mean_std(values: Sequence[float], scale: float = 1.0, digits: int = 4) -> str:
    """``mean ± sample std`` (just the mean for one value)."""
    mean = round(scale * statistics.fmean(values), digits) + 0.0  # no "-0.00"
    if len(values) < 2:
        return f'{mean:.{digits}f}'
    return f'{mean:.{digits}f} ± {scale * statistics.stdev(values):.{digits}f}'


def baseline_runs(directory: str) -> List[Dict[str, float]]:
    """Per seed, the metrics of every task's baseline merged (a baselines file without
    ``per_seed``, e.g. from tools/test.py, counts as one run)."""
    seeds: Dict[str, Dict[str, float]] = {}
    for path in sorted(glob(osp.join(directory, '*.json'))):
        with open(path) as f:
            data = json.load(f)
        for seed, metrics in (data.get('per_seed') or {'mean': data['metrics']}).items():
            seeds.setdefault(seed, {}).update(metrics)
    return list(seeds.values())


def table(rows: Dict[str, List[Dict[str, float]]], columns: List[str],
          baselines: Dict[str, float], directions: Dict[str, bool]) -> str:
    """The markdown table of the module docstring."""
    head = ['method', *columns, 'Δm (%)', 'seeds']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)]
    for name, runs in rows.items():
        missing = sorted({c for c in columns for m in runs if c not in m})
        if missing:
            raise KeyError(f'--columns {missing}: not reported by the runs of {name} (they '
                           f'report e.g. {sorted(runs[0])[:8]})')
        cells = [mean_std([m[c] for m in runs]) for c in columns]
        deltas = [delta_m(m, baselines, directions)[0] for m in runs]
        lines.append('| ' + ' | '.join([name, *cells, mean_std(deltas, 100, 2), str(len(runs))]) + ' |')
    return '\n'.join(lines)


def main():
    args = parse_args()
    cfg = read_config(args.config, args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join('work_dirs', f'{name}_combiners')
    directions = measures([METRICS.build(m) for m in cfg.test_evaluator])
    specs = args.combiners
    for spec in specs:
        MODELS.get(combiner_cfg(spec)['type'])  # an unknown type fails here, naming it
    runs = [(spec, seed) for seed in args.seeds for spec in specs]
    results: Dict[str, List[Dict[str, float]]] = {spec: [] for spec in specs}
    for i, (spec, seed) in enumerate(runs, 1):
        run_dir = osp.join(work_dir, label(spec), f'seed{seed}')
        if args.report_only:
            if osp.isfile(osp.join(run_dir, 'metrics.json')):
                results[spec].append(read_metrics(osp.join(run_dir, 'metrics.json')))
            continue
        results[spec].append(run_training(with_combiner(cfg, spec, seed), run_dir,
                                          f'[{i}/{len(runs)}] {spec} seed {seed}'))
    baselines_dir = args.baselines or osp.join(work_dir, 'baselines')
    if not (args.baselines or args.report_only):
        run_baselines(cfg, args.config, baselines_dir, evaluated_tasks(cfg.model), args.seeds)
    baselines = load_baselines(baselines_dir)
    finished = {spec: found for spec, found in results.items() if found}
    rows = {**finished, 'single-task baselines': baseline_runs(baselines_dir)}
    text = table(rows, args.columns, baselines, directions)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    run_tool(main)
