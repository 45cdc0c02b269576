"""Contour detection F-measure: ODS-style F over fixed thresholds, and F at threshold 0.5.

After the BSDS protocol (Martin et al., TPAMI 2004; Arbeláez et al., TPAMI 2011): for each
threshold t of ``thresholds`` (default 0.05, 0.10, ..., 0.95) a pixel is a predicted
contour when its probability is >= t; true positives, predicted positives and gt positives
are pooled over the whole set, giving precision P(t), recall R(t) and F(t) = 2PR / (P + R)
(0 when P + R = 0). ``ods_f`` is the best F(t), ``ods_threshold`` its t (the lowest on
ties); ``f@0.5``, ``precision@0.5``, ``recall@0.5`` are at t = 0.5. Values are fractions in
[0, 1].

Unlike BSDS, there is **no matching tolerance**: a predicted contour pixel is a true
positive only when the gt is a contour at that very pixel (pixel exact), so the numbers
are lower than BSDS-benchmark numbers, which match within a distance of about 0.0075 of
the image diagonal. There is no thinning (non-maximum suppression) either. It suits exact
labels and quick validation; for numbers comparable with the literature use
``BoundaryFMetric`` (boundary_f_metric.py; docs/nyudmt.md compares the two).

Ground-truth pixels equal to ``ignore_index`` are left out. ``process`` stores three
counts per threshold and image.
"""
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mtl.evaluation._sample import check_same_size, fetch_pair
from mtl.evaluation.scores import ScoredMetric
from mtl.registry import METRICS

DEFAULT_THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 20))


@METRICS.register_module()
class ContourMetric(ScoredMetric, BaseMetric):
    """Pixel-exact ODS F-measure and F at 0.5 of a contour probability map (see module doc)."""

    default_prefix = 'contours'
    higher_is_better = {'ods_f': True, 'f': True, 'precision': True, 'recall': True}
    primary_keys = ('ods_f',)

    def __init__(self, task: str = 'contours', gt_key: str = 'contours',
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS, ignore_index: int = 255,
                 prefix: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not thresholds or not all(0 < t <= 1 for t in thresholds):
            raise ValueError(f'ContourMetric needs thresholds in (0, 1]; got {thresholds}.')
        self.task, self.gt_key, self.ignore_index = task, gt_key, ignore_index
        self.thresholds = tuple(sorted(float(t) for t in thresholds))
        # The evaluation grid: the thresholds plus the fixed 0.5, sorted and unique.
        grid = sorted(set(self.thresholds) | {0.5})
        self._grid = torch.tensor(grid, dtype=torch.float64)
        self._ods_rows = torch.tensor([grid.index(t) for t in self.thresholds])
        self._half_row = grid.index(0.5)
        self._name = f'ContourMetric(task={task!r}, gt_key={gt_key!r})'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Append, per sample, a ``(grid size, 3)`` tensor of (TP, predicted, gt) counts."""
        for sample in data_samples:
            pair = fetch_pair(sample, self.task, self.gt_key, self._name)
            self.results.append(None if pair is None else self._counts(*pair))

    def _counts(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        check_same_size(pred, gt, self._name)
        pred, gt = pred.reshape(-1, *pred.shape[-2:]), gt.reshape(-1, *gt.shape[-2:])
        if pred.shape[0] != 1 or gt.shape[0] != 1:
            raise ValueError(f'{self._name}: prediction and target must be 1×H×W maps; got '
                             f'{tuple(pred.shape)} and {tuple(gt.shape)}.')
        gt = gt.long()
        labelled = gt != self.ignore_index
        bad = labelled & (gt != 0) & (gt != 1)
        if bad.any():
            raise ValueError(f'{self._name}: target value {int(gt[bad][0])} is not 0, 1 or the '
                             f'ignore index {self.ignore_index}.')
        prob, is_contour = pred[labelled].double(), gt[labelled] == 1
        if not ((prob >= 0) & (prob <= 1)).all():
            raise ValueError(f'{self._name}: the prediction must be a probability in [0, 1] '
                             f'(apply a sigmoid to the logits in predict mode); got values in '
                             f'[{float(prob.min()):g}, {float(prob.max()):g}].')
        # level = how many grid thresholds are <= p: the pixel is predicted at rows < level.
        level = torch.bucketize(prob, self._grid, right=True)
        predicted, true_pos = self._at_least(level), self._at_least(level[is_contour])
        gt_pos = torch.full_like(true_pos, int(is_contour.sum()))
        return torch.stack([true_pos, predicted, gt_pos], dim=1)

    def _at_least(self, level: torch.Tensor) -> torch.Tensor:
        """For each grid row i, the number of pixels with level > i."""
        hist = torch.bincount(level, minlength=len(self._grid) + 1)
        return hist.flip(0).cumsum(0).flip(0)[1:]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        counts = [r for r in results if r is not None]
        total = torch.stack(counts).sum(0).double() if counts else None
        if total is None or total[0, 2] == 0:
            raise ValueError(f'{self._name}: no gt contour pixel in the whole set, so recall '
                             f'is undefined ({len(counts)} of {len(results)} samples have '
                             f'"{self.gt_key}").')
        true_pos, predicted, gt_pos = total.unbind(1)
        precision = torch.where(predicted > 0, true_pos / predicted, torch.zeros_like(true_pos))
        recall = true_pos / gt_pos
        f = torch.where(true_pos > 0, 2 * precision * recall / (precision + recall),
                        torch.zeros_like(true_pos))
        best = int(f[self._ods_rows].argmax())
        half = self._half_row
        return {'ods_f': float(f[self._ods_rows][best]), 'ods_threshold': self.thresholds[best],
                'f@0.5': float(f[half]), 'precision@0.5': float(precision[half]),
                'recall@0.5': float(recall[half])}
