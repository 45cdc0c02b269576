"""Training curves from work directories, several runs on one plot (as OpenMMLab's
``analyze_logs.py plot_curve``).

No paper: reporting. Reads the ``scalars.json`` that mmengine's ``LocalVisBackend``
writes under ``<work_dir>/<timestamp>/vis_data/`` (one JSON object per logged step;
training lines carry ``lr``, validation lines carry the metrics). A resumed run has
several timestamped folders; they are read in order and joined.
"""
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from mtl.visualization.panels import figure_to_rgb

Series = Dict[str, Tuple[np.ndarray, np.ndarray]]


def read_scalars(work_dir: str) -> Series:
    """``{key: (steps, values)}`` from every ``*/vis_data/scalars.json`` of a work dir."""
    files = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    if not files:
        raise FileNotFoundError(f'No */vis_data/scalars.json under "{work_dir}": is it a work '
                                f'directory of tools/train.py with LocalVisBackend in vis_backends?')
    points: Dict[str, Dict[int, float]] = {}
    for path in files:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            step = int(record.pop('step', 0))
            for key, value in record.items():
                if isinstance(value, (int, float)):
                    points.setdefault(key, {})[step] = float(value)
    return {key: (np.array(sorted(steps)), np.array([steps[s] for s in sorted(steps)]))
            for key, steps in points.items()}


def plot_curves(runs: Dict[str, Series], keys: Sequence[str]) -> np.ndarray:
    """One subplot per key, one line per run; RGB picture. Unknown keys are an error
    that lists what the logs hold."""
    available = sorted(set().union(*(set(series) for series in runs.values())))
    missing = [k for k in keys if not any(k in series for series in runs.values())]
    if missing:
        raise KeyError(f'{missing} are not in the logs; logged keys: {available}')
    fig = Figure(figsize=(5 * len(keys), 3.4), dpi=80)
    axes: List = list(np.atleast_1d(fig.subplots(1, len(keys))))
    for ax, key in zip(axes, keys):
        for name, series in runs.items():
            if key in series:
                steps, values = series[key]
                ax.plot(steps, values, label=name, marker='.' if len(steps) < 30 else None)
        ax.set(title=key, xlabel='iteration')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return figure_to_rgb(fig)
