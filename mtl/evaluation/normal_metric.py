"""Surface-normal metrics: angular error in degrees, pooled over the valid pixels of the set.

The protocol of Eigen & Fergus (ICCV 2015), as in the MTL survey (Vandenhende et al.). Keys
(Python floats): ``mean_angle``, ``median_angle``, ``rmse_angle`` (degrees) and
``within_<t>`` for each threshold t (default 11.25, 22.5, 30), the share of pixels with an
error below t, **in percent** (0..100) like the survey's tables.

Both normals are scaled to unit length before the angle is taken; a ground-truth zero
vector marks an invalid pixel, and a zero predicted vector counts as 90°.

The median is read from a histogram of the angles with ``bin_width`` (default 0.01°) bins
over [0°, 180°], not from the stored angles: it is the centre of the bin holding the
middle pixel (the mean of the two middle bins' centres when the count is even), so it is
within half a bin (0.005°) of the exact median. The mean, rmse and ``within`` shares are
exact. ``process`` stores per image only the non-zero bins (int32 index and count, 8 bytes
each: at most 144 kB, typically a few tens of kB for a trained model) and a few sums.
"""
import math
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mtl.evaluation._sample import check_same_size, fetch_pair
from mtl.evaluation.scores import ScoredMetric
from mtl.registry import METRICS


_CHUNK = 1 << 16  # pixels per pass: the float64 temporaries of a chunk stay in cache


def _angles(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """Degrees between ``(3, N)`` vectors: acos(p·g / (|p| |g|)), norms clamped like
    ``F.normalize``'s, so the same as the dot product of the normalised vectors."""
    cos = (pred[0] * gt[0] + pred[1] * gt[1] + pred[2] * gt[2]) / (_length(pred) * _length(gt))
    return torch.rad2deg(torch.acos(cos.clamp(-1.0, 1.0)))


def _length(vectors: torch.Tensor) -> torch.Tensor:
    """Euclidean length of ``(3, N)`` vectors, at least 1e-12 (a zero vector stays zero
    after division; it makes a 90° angle). Component-wise: a reduction over the first
    axis of a (3, N) tensor is several times slower."""
    x, y, z = vectors
    return (x.square() + y.square() + z.square()).sqrt().clamp(min=1e-12)


@METRICS.register_module()
class NormalMetric(ScoredMetric, BaseMetric):
    """Mean / median / rmse angle and % of pixels within thresholds (see module doc)."""

    default_prefix = 'normals'
    higher_is_better = {'mean_angle': False, 'median_angle': False, 'rmse_angle': False}
    primary_keys = ('mean_angle',)

    def direction(self, key: str) -> Optional[bool]:
        return True if key.startswith('within_') else super().direction(key)

    def __init__(self, task: str = 'normals', gt_key: str = 'normals',
                 thresholds: Sequence[float] = (11.25, 22.5, 30.0), bin_width: float = 0.01,
                 prefix: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < bin_width <= 180:
            raise ValueError(f'NormalMetric needs 0 < bin_width <= 180 degrees; got {bin_width}.')
        self.task, self.gt_key = task, gt_key
        self.thresholds = tuple(float(t) for t in thresholds)
        self.bin_width = float(bin_width)
        self.num_bins = math.ceil(180.0 / self.bin_width)
        self._name = f'NormalMetric(task={task!r}, gt_key={gt_key!r})'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Append, per sample, its angle sums and sparse histogram (``None`` without target)."""
        for sample in data_samples:
            pair = fetch_pair(sample, self.task, self.gt_key, self._name)
            self.results.append(None if pair is None else self._image_stats(*pair))

    def angles(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        """Angular errors in degrees at the valid pixels (1-D, float64)."""
        for tensor, what in ((pred, 'prediction'), (gt, 'target')):
            if tensor.dim() != 3 or tensor.shape[0] != 3:
                raise ValueError(f'{self._name}: the {what} must be 3×H×W normals; got shape '
                                 f'{tuple(tensor.shape)}.')
        check_same_size(pred, gt, self._name)
        gx, gy, gz = gt
        valid = torch.isfinite(gx) & torch.isfinite(gy) & torch.isfinite(gz)
        valid &= (gx != 0) | (gy != 0) | (gz != 0)
        valid = valid.reshape(-1)
        p, g = pred.reshape(3, -1)[:, valid], gt.reshape(3, -1)[:, valid]  # (3, N)
        if not torch.isfinite(p).all():
            raise ValueError(f'{self._name}: the prediction is NaN or infinite at a valid pixel.')
        return torch.cat([_angles(p_chunk.double(), g_chunk.double())
                          for p_chunk, g_chunk in zip(p.split(_CHUNK, 1), g.split(_CHUNK, 1))])

    def _image_stats(self, pred: torch.Tensor, gt: torch.Tensor) -> dict:
        angles = self.angles(pred, gt)
        bins = (angles / self.bin_width).long().clamp(max=self.num_bins - 1)
        hist = torch.bincount(bins, minlength=self.num_bins)
        nonzero = hist.nonzero().squeeze(1)
        within = [(angles < t).sum() for t in self.thresholds]
        return {'count': angles.numel(), 'sum': float(angles.sum()),
                'sum_sq': float((angles ** 2).sum()),
                'within': torch.stack(within) if within else torch.zeros(0, dtype=torch.int64),
                'bins': nonzero.int(), 'bin_counts': hist[nonzero].int()}

    def median_from_histogram(self, hist: torch.Tensor) -> float:
        """Median of the binned angles: the mean of the centres of the bins holding the
        ceil(n/2)-th and (floor(n/2) + 1)-th smallest angle (one bin when n is odd)."""
        cumulative = hist.cumsum(0)
        n = int(cumulative[-1])
        ranks = torch.tensor([(n + 1) // 2, n // 2 + 1])
        indices = torch.searchsorted(cumulative, ranks).double()
        return float((indices.mean() + 0.5) * self.bin_width)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        stats = [r for r in results if r is not None]
        count = sum(s['count'] for s in stats)
        if count == 0:
            raise ValueError(f'{self._name}: no valid normal in the whole set ({len(stats)} of '
                             f'{len(results)} samples have "{self.gt_key}", all zero vectors).')
        hist = torch.zeros(self.num_bins, dtype=torch.int64)
        within = torch.zeros(len(self.thresholds), dtype=torch.int64)
        for s in stats:
            hist.index_add_(0, s['bins'].long(), s['bin_counts'].long())
            within += s['within']
        metrics = {'mean_angle': sum(s['sum'] for s in stats) / count,
                   'median_angle': self.median_from_histogram(hist),
                   'rmse_angle': math.sqrt(sum(s['sum_sq'] for s in stats) / count)}
        metrics.update({f'within_{t:g}': 100.0 * float(n) / count
                        for t, n in zip(self.thresholds, within)})
        return metrics
