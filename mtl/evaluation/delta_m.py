"""Δm: the average relative change of a multi-task model against single-task baselines.

Maninis et al. (CVPR 2019, "Attentive Single-Tasking of Multiple Tasks") and Vandenhende
et al. (TPAMI 2021, "Multi-Task Learning for Dense Prediction Tasks: A Survey", Eq. 9):

    Δm = (1/T) Σ_i (−1)^{l_i} (M_m,i − M_b,i) / M_b,i,

with l_i = 1 when a lower value of measure M_i is better (so that Δm > 0 always means the
multi-task model is better), M_m,i the multi-task model's and M_b,i the single-task
baseline's value. The measures and their directions come from the metrics themselves
(:class:`mtl.evaluation.scores.ScoredMetric`: each metric's ``primary_keys`` under its
prefix, e.g. ``depth/rmse``, ``seg/miou``). Baselines are read from a directory of the
metrics JSON files that ``tools/test.py --out`` writes, one per single-task run.
"""
import json
import os.path as osp
from glob import glob
from typing import Dict, Mapping, Sequence, Tuple

from mtl.evaluation.scores import ScoredMetric


def full_key(metric, key: str) -> str:
    """The key as mmengine reports it: ``<prefix>/<key>``."""
    return f'{metric.prefix}/{key}' if metric.prefix else key


def measures(metrics: Sequence) -> Dict[str, bool]:
    """``{reported key: higher is better}`` of the primary measures of ``metrics``."""
    result = {}
    for metric in metrics:
        if not isinstance(metric, ScoredMetric):
            raise TypeError(f'{type(metric).__name__} does not declare which of its values are '
                            f'better when higher: Δm needs every metric to subclass '
                            f'mtl.evaluation.scores.ScoredMetric')
        result.update({full_key(metric, k): metric.direction(k) for k in metric.primary_keys})
    return result


def load_baselines(directory: str) -> Dict[str, float]:
    """The metrics of every ``*.json`` in ``directory`` (``tools/test.py`` format), merged;
    two files reporting different values for one key are an error."""
    files = sorted(glob(osp.join(directory, '*.json')))
    if not files:
        raise FileNotFoundError(f'--baselines {directory}: no *.json metrics files (write them '
                                f'with tools/test.py --out DIR/<task>.json on each single-task run)')
    merged, source = {}, {}
    for path in files:
        with open(path) as f:
            metrics = json.load(f).get('metrics')
        if not isinstance(metrics, dict):
            raise ValueError(f'{path} has no "metrics" dict: not a tools/test.py metrics file')
        for key, value in metrics.items():
            if key in merged and merged[key] != value:
                raise ValueError(f'baselines {source[key]} and {path} both report {key} with '
                                 f'different values ({merged[key]} and {value}): keep one per task')
            merged[key], source[key] = value, path
    return merged


def delta_m(model: Mapping[str, float], baselines: Mapping[str, float],
            directions: Mapping[str, bool]) -> Tuple[float, Dict[str, float]]:
    """(Δm, {measure: its signed relative change}) over ``directions`` (module doc). A
    measure missing from either side, or a zero baseline, is an error."""
    missing = sorted(k for k in directions if k not in model or k not in baselines)
    if missing:
        raise KeyError(f'Δm needs {missing} from both the model and the baselines; the model '
                       f'reports {sorted(model)}, the baselines {sorted(baselines)}')
    changes = {}
    for key, higher in directions.items():
        base = float(baselines[key])
        if base == 0:
            raise ValueError(f'the baseline {key} is 0: the relative change is undefined')
        changes[key] = (1 if higher else -1) * (float(model[key]) - base) / base
    return sum(changes.values()) / len(changes), changes


def delta_m_table(metrics: Sequence, results: Mapping[str, float], directory: str) -> str:
    """What ``tools/test.py --baselines DIR`` prints: each measure, the model's and the
    baseline's value and the signed relative change, then Δm (in percent)."""
    baselines = load_baselines(directory)
    value, changes = delta_m(results, baselines, measures(metrics))
    width = max(len(k) for k in changes)
    lines = [f'{"measure":<{width}}  {"model":>10}  {"baseline":>10}  {"change %":>9}']
    lines += [f'{k:<{width}}  {results[k]:>10.4f}  {baselines[k]:>10.4f}  {100 * c:>+9.2f}'
              for k, c in changes.items()]
    return '\n'.join(lines + [f'Δm = {100 * value:+.2f} % over {len(changes)} measures '
                              f'(baselines: {directory})'])
