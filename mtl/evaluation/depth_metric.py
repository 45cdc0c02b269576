"""Monocular depth metrics: Eigen et al. (NIPS 2014) errors and accuracies, KITTI's SILog/iRMSE.

Keys (all Python floats; depths in metres, accuracies as fractions in [0, 1] like the
papers' tables):

- ``abs_rel`` mean(|p − g| / g); ``sq_rel`` Eigen's mean((p − g)² / g);
  ``sq_rel_kitti`` the KITTI devkit's sqErrorRel, mean((p − g)² / g²);
- ``rmse`` sqrt(mean((p − g)²)); ``rmse_log`` sqrt(mean((ln p − ln g)²));
  ``log10`` mean(|log10 p − log10 g|);
- ``delta1/2/3`` the fraction of pixels with max(p / g, g / p) < 1.25^k;
- ``silog`` the KITTI benchmark's 100·sqrt(mean(e²) − mean(e)²), e = ln p − ln g (not
  mmsegmentation's λ = 0.5 variant, nor a training loss);
- ``irmse`` the KITTI benchmark's rmse of 1/p − 1/g in 1/km;
- ``num_images`` images with at least one valid pixel; ``num_skipped`` images that carry
  the target but have no valid pixel (they contribute nothing). Samples without the
  target (partial supervision) are neither.

With ``depth_caps=(4, 6, 8)`` every metric is repeated on the pixels with gt ≤ cap under
keys like ``abs_rel@4m`` (Jiao et al., ECCV 2018, Table 2).

Two averaging conventions exist; they differ by about 10 % on the same predictions:

- ``per_image=True`` (default; KITTI devkit, BTS, AdaBins, the depth toolbox): each
  metric is computed per image, then averaged over images; an image without valid pixels
  in a range is left out of that range's average.
- ``per_image=False`` (the MTL survey code, LibMTL, Laina's MATLAB evaluation): every
  valid pixel of the set is pooled; ``silog`` then uses the set's pixel moments of e.

Valid pixels: ``min_depth < gt < max_depth``, gt finite, inside ``crop`` (see
``mtl/evaluation/_crops.py``). The range is the dataset's ``depth_range``: taken from the
evaluated dataset's metainfo (``dataset_meta``) unless the config gives it, in which case
it must agree (see ``mtl/evaluation/dataset_values.py``). Predictions are clamped to ``[min_depth, max_depth]``
when ``clamp_pred`` (BTS / AdaBins evaluation); without it, a non-positive prediction at
a valid pixel is an error since its logarithm is undefined.

``process`` keeps only a few float64 sums per image and range (not the maps), computed
in one vectorised pass per quantity (:func:`range_sums`), so that evaluating thousands of
images costs a few percent of the model's forward time (docs/performance.md).
"""
import math
from typing import Dict, Optional, Sequence, Tuple

import torch
from mtl.evaluation._crops import CropSpec, crop_fractions, crop_mask
from mtl.evaluation.dataset_values import DatasetValuesMetric
from mtl.evaluation._sample import check_same_size, fetch_pair
from mtl.evaluation.scores import ScoredMetric
from mtl.registry import METRICS

# Per-pixel quantities summed per image and range; the metrics are functions of their means.
_SUMS = ('count', 'abs_rel', 'sq_rel', 'sq_rel_kitti', 'sq_err', 'sq_log', 'log10',
         'delta1', 'delta2', 'delta3', 'log_diff', 'sq_inv_km')
_INDEX = {name: i for i, name in enumerate(_SUMS)}
_LN10 = math.log(10.0)


_CHUNK = 1 << 16  # pixels per pass: the float64 temporaries of a chunk stay in cache


def range_sums(pred: torch.Tensor, gt: torch.Tensor, caps: Sequence[float] = (),
               clamp: Optional[Tuple[float, float]] = None) -> torch.Tensor:
    """``(1 + len(caps), len(_SUMS))`` float64 sums of the per-pixel quantities of matched
    pixels ``pred``, ``gt`` (1-D, metres; computed in float64, ``pred`` first clamped to
    ``clamp``): row 0 over all pixels, row r over those with gt <= ``caps[r - 1]``.

    Each pixel's range bin (between consecutive sorted caps) is found once, every
    quantity is summed per bin, and a range's sum is the sum of the bins up to its cap;
    the pixels go in chunks of ``_CHUNK`` so that the temporaries stay in cache.
    """
    bounds = sorted(set(float(cap) for cap in caps))
    per_bin = torch.zeros(len(bounds) + 1, len(_SUMS), dtype=torch.float64)
    for p, g in zip(pred.split(_CHUNK), gt.split(_CHUNK)):
        p = p.double() if clamp is None else p.double().clamp(*clamp)
        per_bin += _bin_sums(p, g.double(), bounds)
    rows = [len(bounds)] + [bounds.index(float(cap)) for cap in caps]
    return per_bin.cumsum(0)[rows]


def _bin_sums(pred: torch.Tensor, gt: torch.Tensor, bounds: Sequence[float]) -> torch.Tensor:
    """``(len(bounds) + 1, len(_SUMS))`` sums per gt bin ``bounds[b - 1] < gt <= bounds[b]``.

    One weighted ``bincount`` per quantity; the delta accuracies count pixels per (bin,
    number of thresholds passed) in one ``bincount``. ``log10`` is |ln p − ln g| / ln 10
    and 1/p − 1/g is (p − g) / (p g), equal up to rounding to the direct forms (which
    take two more passes: ``1000 / p`` is a reciprocal and a product in torch).
    """
    num_bins = len(bounds) + 1
    small = torch.uint8 if 4 * num_bins <= 256 else torch.int64  # faster to count
    bins = torch.zeros(gt.shape, dtype=small)
    for bound in bounds:
        bins += gt > bound

    def per_bin(values: torch.Tensor) -> torch.Tensor:
        return torch.bincount(bins, weights=values, minlength=num_bins)

    diff, log_diff = pred - gt, pred.log() - gt.log()
    sq_err = diff.square()
    ratio = torch.maximum(pred / gt, gt / pred)
    level = bins * 4  # then + the number of delta thresholds passed (0..3)
    for power in (1, 2, 3):
        level += ratio < 1.25 ** power
    by_level = torch.bincount(level, minlength=4 * num_bins).view(num_bins, 4)
    accuracy = by_level.flip(1).cumsum(1).double()  # [:, k - 1]: pixels with delta_k
    inv_km = diff / (pred * gt)  # 1/g − 1/p in 1/m; squared, the sign does not matter
    columns = {'count': accuracy[:, 3], 'abs_rel': per_bin(diff.abs() / gt),
               'sq_rel': per_bin(sq_err / gt), 'sq_rel_kitti': per_bin(sq_err / gt.square()),
               'sq_err': per_bin(sq_err), 'sq_log': per_bin(log_diff.square()),
               'log10': per_bin(log_diff.abs()) / _LN10, 'delta1': accuracy[:, 0],
               'delta2': accuracy[:, 1], 'delta3': accuracy[:, 2],
               'log_diff': per_bin(log_diff), 'sq_inv_km': per_bin(inv_km.square()) * 1e6}
    return torch.stack([columns[name] for name in _SUMS], 1)


def metrics_from_sums(sums: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Metrics from ``(..., len(_SUMS))`` sums; each value has the leading shape ``...``."""
    mean = sums / sums[..., :1]

    def m(name: str) -> torch.Tensor:
        return mean[..., _INDEX[name]]

    log_var = (m('sq_log') - m('log_diff') ** 2).clamp(min=0)
    return {'abs_rel': m('abs_rel'), 'sq_rel': m('sq_rel'),
            'sq_rel_kitti': m('sq_rel_kitti'), 'rmse': m('sq_err').sqrt(),
            'rmse_log': m('sq_log').sqrt(), 'log10': m('log10'), 'delta1': m('delta1'),
            'delta2': m('delta2'), 'delta3': m('delta3'), 'silog': 100 * log_var.sqrt(),
            'irmse': m('sq_inv_km').sqrt()}


@METRICS.register_module()
class DepthMetric(ScoredMetric, DatasetValuesMetric):
    """Depth errors and accuracies over a set, optionally per depth cap (see module doc)."""

    default_prefix = 'depth'
    needed = ('min_depth', 'max_depth')
    higher_is_better = {**{k: False for k in ('abs_rel', 'sq_rel', 'sq_rel_kitti', 'rmse', 'rmse_log',
                                              'log10', 'silog', 'irmse')},
                        'delta1': True, 'delta2': True, 'delta3': True}
    primary_keys = ('rmse',)

    def __init__(self, task: str = 'depth', gt_key: str = 'depth',
                 min_depth: Optional[float] = None, max_depth: Optional[float] = None,
                 crop: CropSpec = None, per_image: bool = True,
                 depth_caps: Sequence[float] = (), clamp_pred: bool = True,
                 prefix: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(dict(min_depth=min_depth, max_depth=max_depth),
                         collect_device=collect_device, prefix=prefix)
        self.task, self.gt_key = task, gt_key
        self.crop = crop_fractions(crop)
        self.per_image, self.clamp_pred = per_image, clamp_pred
        self.depth_caps = tuple(float(c) for c in depth_caps)
        self._name = f'DepthMetric(task={task!r}, gt_key={gt_key!r})'
        self.min_depth = self.max_depth = None
        self.use_dataset_values(self._configured)

    def use_dataset_values(self, values: dict) -> None:
        """Set ``min_depth`` / ``max_depth`` and check the range and the caps against them."""
        low, high = values.get('min_depth', self.min_depth), values.get('max_depth', self.max_depth)
        self.min_depth = None if low is None else float(low)
        self.max_depth = None if high is None else float(high)
        if low is None or high is None:
            return
        if not 0 <= self.min_depth < self.max_depth:
            raise ValueError(f'DepthMetric needs 0 <= min_depth < max_depth; got '
                             f'min_depth={self.min_depth}, max_depth={self.max_depth}.')
        if any(cap <= self.min_depth for cap in self.depth_caps):
            raise ValueError(f'Every depth cap must exceed min_depth={self.min_depth}; got '
                             f'{self.depth_caps}.')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Append, per sample, a ``(1 + len(depth_caps), len(_SUMS))`` tensor of sums.

        A sample without the target appends ``None`` (one entry per sample keeps
        mmengine's truncation of padded samples in distributed evaluation exact).
        """
        self.check_dataset_values(self._name)
        for sample in data_samples:
            pair = fetch_pair(sample, self.task, self.gt_key, self._name)
            self.results.append(None if pair is None else self._image_sums(*pair))

    def _image_sums(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        pred, gt = self._as_map(pred, 'prediction'), self._as_map(gt, 'target')
        check_same_size(pred, gt, self._name)
        # Compared in the target's own dtype, as numpy/torch compare float32 maps with a
        # Python float: a float32 gt of 1e-3 is not > min_depth=1e-3.
        valid = torch.isfinite(gt) & (gt > self.min_depth) & (gt < self.max_depth)
        valid &= crop_mask(self.crop, *gt.shape)
        if valid.all():
            pred, gt = pred.reshape(-1), gt.reshape(-1)
        else:
            pred, gt = pred[valid], gt[valid]
        self._check_pred(pred)
        clamp = (self.min_depth, self.max_depth) if self.clamp_pred else None
        return range_sums(pred, gt, self.depth_caps, clamp)  # (ranges, len(_SUMS))

    def _as_map(self, tensor: torch.Tensor, what: str) -> torch.Tensor:
        if tensor.dim() == 3 and tensor.shape[0] == 1:
            return tensor[0]
        if tensor.dim() != 2:
            raise ValueError(f'{self._name}: the {what} must be 1×H×W or H×W depth; got '
                             f'shape {tuple(tensor.shape)}.')
        return tensor

    def _check_pred(self, pred: torch.Tensor) -> None:
        """The prediction at the valid pixels must be finite (and > 0 unless clamped)."""
        if not torch.isfinite(pred).all():
            raise ValueError(f'{self._name}: the prediction is NaN or infinite at a valid pixel.')
        if not self.clamp_pred and (pred <= 0).any():
            raise ValueError(f'{self._name}: the prediction is <= 0 at a valid pixel, where '
                             f'log depth is undefined; set clamp_pred=True.')

    def compute_metrics(self, results: list) -> Dict[str, float]:
        labelled = [r for r in results if r is not None]
        if not labelled:
            raise ValueError(f'{self._name}: none of the {len(results)} evaluated samples has '
                             f'the target "{self.gt_key}"; check `gt_key`.')
        sums = torch.stack(labelled)  # (images, ranges, len(_SUMS))
        counts = sums[..., 0]
        metrics = {'num_images': float((counts[:, 0] > 0).sum()),
                   'num_skipped': float((counts[:, 0] == 0).sum())}
        for r, cap in enumerate((None,) + self.depth_caps):
            suffix = '' if cap is None else f'@{cap:g}m'
            if not (counts[:, r] > 0).any():
                where = '' if cap is None else f' with gt <= {cap:g} m'
                raise ValueError(
                    f'{self._name}: no valid pixel{where} in the whole set of {len(labelled)} '
                    f'images (valid: {self.min_depth:g} < gt < {self.max_depth:g} m, finite, '
                    f'inside crop {self.crop}). Check the depth units and the range/crop/caps.')
            metrics.update({name + suffix: value
                            for name, value in self._range_metrics(sums[:, r]).items()})
        return metrics

    def _range_metrics(self, sums: torch.Tensor) -> Dict[str, float]:
        """Per-image average or pooled metrics from ``(images, len(_SUMS))`` sums."""
        if self.per_image:
            per_image = metrics_from_sums(sums[sums[:, 0] > 0])
            return {name: float(values.mean()) for name, values in per_image.items()}
        return {name: float(value) for name, value in metrics_from_sums(sums.sum(0)).items()}
