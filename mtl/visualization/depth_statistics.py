"""Per-run depth diagnostics: histograms of predicted and true depth, and the error by
true-depth range.

No paper defines these plots; they are the usual reading aid for the depth metrics
(e.g. the per-range errors of Eigen et al. 2014 and the depth caps of Jiao et al. 2018,
Table 2): where in the depth range a model is biased (histogram shift) and where its
error grows (mean absolute error and abs rel per true-depth bin). Counts are accumulated
over the whole run in fixed bins, so memory does not grow with the set.
"""
from typing import Tuple

import numpy as np
from matplotlib.figure import Figure

from mtl.visualization.panels import figure_to_rgb


class DepthStatistics:
    """Accumulates over ``num_bins`` equal bins of ``depth_range`` (metres)."""

    def __init__(self, depth_range: Tuple[float, float], num_bins: int = 40):
        low, high = float(depth_range[0]), float(depth_range[1])
        if not high > low >= 0:
            raise ValueError(f'depth_range must be (low, high) with 0 <= low < high, got {depth_range}')
        self.edges = np.linspace(low, high, num_bins + 1)
        self.pred_hist = np.zeros(num_bins)
        self.gt_hist = np.zeros(num_bins)
        self.abs_error = np.zeros(num_bins)
        self.rel_error = np.zeros(num_bins)

    def update(self, pred: np.ndarray, gt: np.ndarray) -> None:
        """One image: depth maps of the same shape in metres; gt <= 0 is invalid."""
        pred, gt = np.asarray(pred, np.float64).ravel(), np.asarray(gt, np.float64).ravel()
        valid = np.isfinite(gt) & (gt > 0) & np.isfinite(pred)
        pred, gt = pred[valid], gt[valid]
        self.pred_hist += np.histogram(pred, self.edges)[0]
        self.gt_hist += np.histogram(gt, self.edges)[0]
        index = np.clip(np.digitize(gt, self.edges) - 1, 0, len(self.gt_hist) - 1)
        np.add.at(self.abs_error, index, np.abs(pred - gt))
        np.add.at(self.rel_error, index, np.abs(pred - gt) / gt)

    def mean_errors(self) -> Tuple[np.ndarray, np.ndarray]:
        """(mean |error| in metres, mean abs rel) per true-depth bin; NaN for empty bins."""
        count = np.where(self.gt_hist > 0, self.gt_hist, np.nan)
        return self.abs_error / count, self.rel_error / count

    def plot(self, title: str = '') -> np.ndarray:
        """RGB picture: the two histograms, and the errors per true-depth bin."""
        centres = (self.edges[:-1] + self.edges[1:]) / 2
        fig = Figure(figsize=(9, 3.2), dpi=72)
        hist, err = fig.subplots(1, 2)
        total = max(self.gt_hist.sum(), 1)
        hist.stairs(self.gt_hist / total, self.edges, label='ground truth', fill=True, alpha=0.4)
        hist.stairs(self.pred_hist / max(self.pred_hist.sum(), 1), self.edges, label='prediction')
        hist.set(xlabel='depth (m)', ylabel='fraction of pixels', title='depth histogram')
        hist.legend(fontsize=8)
        mae, rel = self.mean_errors()
        err.plot(centres, mae, marker='.', label='mean |error| (m)')
        err.set(xlabel='true depth (m)', ylabel='mean |error| (m)', title='error by depth range')
        twin = err.twinx()
        twin.plot(centres, rel, marker='.', color='tab:red', label='abs rel')
        twin.set_ylabel('abs rel', color='tab:red')
        if title:
            fig.suptitle(title, fontsize=9)
        fig.tight_layout()
        return figure_to_rgb(fig)
