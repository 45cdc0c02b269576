"""Boundary F-measure with a matching tolerance: ODS and OIS of the BSDS protocol.

Martin, Fowlkes & Malik (TPAMI 2004) and Arbeláez et al. (TPAMI 2011, Sec. 3.1), as the
NYUD-MT multi-task literature reports edges (Maninis et al. 2019; Vandenhende et al., TPAMI
2021, with seism and maxDist = 0.011 on NYUD-v2, 0.0075 on PASCAL-Context). For each
threshold t of ``thresholds`` and each image, the prediction p >= t is thinned to
one-pixel-wide lines, and its pixels are matched one-to-one with the ground-truth boundary
pixels lying at most ``max_dist`` × the image diagonal away (a maximum bipartite matching;
see ``_boundary_matching.py``). Per image and threshold three counts are kept: matched
pixels, predicted pixels, ground-truth pixels; nothing else, so memory does not grow with
the image size. With P = matched / predicted, R = matched / gt, F = 2PR / (P + R):

- ``ods_f`` (optimal dataset scale): counts summed over the set per threshold, F(t) the best
  over t. As the BSDS code does (and pyEdgeEval), precision and recall are linearly
  interpolated between neighbouring thresholds (101 steps) before taking the best
  (``interpolate=False``: the best of the thresholds themselves); ``ods_threshold``,
  ``ods_precision``, ``ods_recall`` are at that point.
- ``ois_f`` (optimal image scale): for each image its best threshold (the lowest on ties),
  the counts at those thresholds summed over the set, then P, R and F.

``thresholds``: an integer n gives BSDS's n thresholds evenly spaced in (0, 1), k / (n + 1);
or give the values. Values are fractions in [0, 1]. Ground-truth pixels equal to
``ignore_index`` are neither boundary nor scored: the prediction there is set to 0.

The tolerance matters: ``ContourMetric`` (contour_metric.py) counts a predicted pixel only
when the ground truth is a boundary at that very pixel, with no thinning. It is fast and
needs no matching, which suits validation during training and sets whose labels are exact
(SynthRooms renders its contours); its F is much lower than, and not comparable with,
published numbers. Use this metric to compare with the literature (NYUD-MT, BSDS-style
numbers). It is costlier: a thinning and a matching per threshold and image (docs/nyudmt.md
gives the time); fewer thresholds trade accuracy of the ODS for speed.

Code bases that first run the structured-edge toolbox's non-maximum suppression on the
prediction (an option of pyEdgeEval, ``apply_nms``) report higher precision; we apply BSDS's
thinning only, to the probability the model predicts.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mtl.evaluation._boundary_matching import BoundaryMatcher, thin
from mtl.evaluation._sample import check_same_size, fetch_pair
from mtl.evaluation.scores import ScoredMetric
from mtl.registry import METRICS

INTERPOLATION_STEPS = 101  # BSDS: 0, 0.01, ..., 1 between neighbouring thresholds


def f_measure(precision: torch.Tensor, recall: torch.Tensor) -> torch.Tensor:
    """2PR / (P + R), 0 where P + R = 0."""
    total = precision + recall
    return torch.where(total > 0, 2 * precision * recall / total.clamp_min(1e-300),
                       torch.zeros_like(total))


def precision_recall(counts: torch.Tensor):
    """(matched, predicted, gt) counts along the last axis → precision, recall (0 for 0/0)."""
    matched, predicted, gt = counts.double().unbind(-1)
    return matched / predicted.clamp_min(1), matched / gt.clamp_min(1)


@METRICS.register_module()
class BoundaryFMetric(ScoredMetric, BaseMetric):
    """ODS and OIS boundary F-measure within a matching tolerance (see module doc)."""

    default_prefix = 'contours'
    higher_is_better = {'ods_f': True, 'ods_precision': True, 'ods_recall': True,
                        'ois_f': True, 'ois_precision': True, 'ois_recall': True}
    primary_keys = ('ods_f',)

    def __init__(self, task: str = 'contours', gt_key: str = 'contours', max_dist: float = 0.011,
                 thresholds: Union[int, Sequence[float]] = 99, thinning: bool = True,
                 interpolate: bool = True, ignore_index: int = 255,
                 prefix: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self._name = f'BoundaryFMetric(task={task!r}, gt_key={gt_key!r})'
        if not 0 < max_dist < 1:
            raise ValueError(f'{self._name}: max_dist is a fraction of the image diagonal in '
                             f'(0, 1) (BSDS: 0.0075, NYUD-MT: 0.011); got {max_dist}.')
        if isinstance(thresholds, int):
            if thresholds < 1:
                raise ValueError(f'{self._name}: thresholds=n needs n >= 1; got {thresholds}.')
            thresholds = [k / (thresholds + 1) for k in range(1, thresholds + 1)]
        if not thresholds or not all(0 < t <= 1 for t in thresholds):
            raise ValueError(f'{self._name}: thresholds must be a count or values in (0, 1]; '
                             f'got {thresholds}.')
        self.task, self.gt_key, self.ignore_index = task, gt_key, ignore_index
        self.max_dist, self.thinning, self.interpolate = float(max_dist), thinning, interpolate
        self.thresholds = torch.tensor(sorted(set(float(t) for t in thresholds)),
                                       dtype=torch.float64)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Append, per sample, a ``(thresholds, 3)`` tensor of (matched, predicted, gt)."""
        for sample in data_samples:
            pair = fetch_pair(sample, self.task, self.gt_key, self._name)
            self.results.append(None if pair is None else self.image_counts(*pair))

    def image_counts(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        """(matched, predicted, gt) pixel counts of one image at every threshold."""
        prob, boundary = self._checked(pred, gt)
        matcher = BoundaryMatcher(boundary, self.max_dist * float(np.hypot(*boundary.shape)))
        counts = []
        for threshold in self.thresholds.tolist():
            predicted = prob >= threshold
            if self.thinning:
                predicted = thin(predicted)
            counts.append((matcher.count(predicted), int(predicted.sum()), matcher.num_gt))
        return torch.tensor(counts, dtype=torch.int64)

    def _checked(self, pred: torch.Tensor, gt: torch.Tensor):
        """The probability map (0 at ignored pixels) and the boolean boundary map, H×W."""
        check_same_size(pred, gt, self._name)
        if pred.reshape(-1, *pred.shape[-2:]).shape[0] != 1 or \
                gt.reshape(-1, *gt.shape[-2:]).shape[0] != 1:
            raise ValueError(f'{self._name}: prediction and target must be 1×H×W maps; got '
                             f'{tuple(pred.shape)} and {tuple(gt.shape)}.')
        prob = pred.reshape(pred.shape[-2:]).double().numpy()
        gt = gt.reshape(gt.shape[-2:]).long().numpy()
        labelled = gt != self.ignore_index
        bad = labelled & (gt != 0) & (gt != 1)
        if bad.any():
            raise ValueError(f'{self._name}: target value {int(gt[bad][0])} is not 0, 1 or the '
                             f'ignore index {self.ignore_index}.')
        if not ((prob >= 0) & (prob <= 1)).all():
            finite = prob[np.isfinite(prob)]
            seen = f'[{finite.min():g}, {finite.max():g}]' if finite.size else 'none finite'
            raise ValueError(f'{self._name}: the prediction must be a probability in [0, 1] '
                             f'(apply a sigmoid to the logits in predict mode); got values in '
                             f'{seen} (NaN or inf: {bool(finite.size < prob.size)}).')
        return np.where(labelled, prob, 0.0), labelled & (gt == 1)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scored = [r for r in results if r is not None]
        counts = torch.stack(scored) if scored else None  # (images, thresholds, 3)
        if counts is None or counts[:, 0, 2].sum() == 0:
            raise ValueError(f'{self._name}: no gt boundary pixel in the whole set, so recall '
                             f'is undefined ({len(scored)} of {len(results)} samples have '
                             f'"{self.gt_key}").')
        ods = self._dataset_scale(*precision_recall(counts.sum(0)))
        image_f = f_measure(*precision_recall(counts))  # (images, thresholds)
        best = image_f.argmax(1)  # the first maximum: the lowest threshold on ties
        ois_p, ois_r = precision_recall(counts[torch.arange(len(counts)), best].sum(0))
        return {**ods, 'ois_f': float(f_measure(ois_p, ois_r)),
                'ois_precision': float(ois_p), 'ois_recall': float(ois_r)}

    def _dataset_scale(self, precision: torch.Tensor, recall: torch.Tensor) -> Dict[str, float]:
        """The best F over the thresholds, between them too when ``interpolate``."""
        thresholds = self.thresholds
        if self.interpolate and len(thresholds) > 1:
            d = torch.linspace(0, 1, INTERPOLATION_STEPS, dtype=torch.float64)

            def between(x):  # (pairs, steps): x[i-1] (1 - d) + x[i] d, in the BSDS order
                return x[:-1, None] * (1 - d) + x[1:, None] * d
            thresholds, precision, recall = (between(x).reshape(-1)
                                             for x in (thresholds, precision, recall))
        f = f_measure(precision, recall)
        best = int(f.argmax())
        return {'ods_f': float(f[best]), 'ods_threshold': float(thresholds[best]),
                'ods_precision': float(precision[best]), 'ods_recall': float(recall[best])}
