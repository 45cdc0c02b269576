"""Depth discretisation: continuous metric depth <-> depth-interval class indices.

Three spacings of ``num_bins`` intervals over ``[d_min, d_max]``:

* ``'uniform'``: equal widths in metres;
* ``'log'``: equal widths in ln d (spacing-increasing discretisation);
* ``'normalized_log'``: equal widths in MultiDepth's normalised log space
  (Liebel & Körner, Eq. 2): d_log = ln(d − d_min + 1) / ln(d_max − d_min + 1).

Depths outside the range fall into the first or last interval. A class decodes to
the centre of its interval, taken in the spacing's own space.

MultiDepth (Sec. 3.3) quantises between clipping planes that are tighter than the bounds
of its normalisation: intervals uniform in Eq. 2's space with the normalisation bounds
``norm_range`` = (d_min, d_max) = (2, 125) m, but spanning only the clipping planes
[d̃_min, d̃_max] ⊂ [d_min, d_max], which makes the auxiliary task easier. Here the
clipping planes are ``d_min``/``d_max`` and ``norm_range`` defaults to them (the released
MultiDepth code, whose clipping planes equal the normalisation bounds).
"""
import math
from typing import Optional, Tuple

import torch

SPACINGS = ('uniform', 'log', 'normalized_log')


def normalized_log_depth(depth: torch.Tensor, d_min: float, d_max: float) -> torch.Tensor:
    """MultiDepth Eq. 2; depths below ``d_min`` are clamped to it (giving 0)."""
    return torch.log(depth.clamp(min=d_min) - d_min + 1) / math.log(d_max - d_min + 1)


def from_normalized_log(d_log: torch.Tensor, d_min: float, d_max: float) -> torch.Tensor:
    """Inverse of :func:`normalized_log_depth`."""
    return torch.exp(d_log * math.log(d_max - d_min + 1)) - 1 + d_min


class DepthBinning:
    """Maps metric depth to ``num_bins`` interval classes and back."""

    def __init__(self, num_bins: int, d_min: float, d_max: float, spacing: str = 'log',
                 norm_range: Optional[Tuple[float, float]] = None):
        if spacing not in SPACINGS:
            raise ValueError(f'spacing must be one of {SPACINGS}, got "{spacing}"')
        if not 0 < d_min < d_max:
            raise ValueError(f'need 0 < d_min < d_max, got d_min={d_min}, d_max={d_max}')
        if num_bins < 2:
            raise ValueError(f'num_bins must be at least 2, got {num_bins}')
        if norm_range is not None and spacing != 'normalized_log':
            raise ValueError(f'norm_range only applies to spacing="normalized_log", '
                             f'got "{spacing}"')
        norm_range = (d_min, d_max) if norm_range is None else tuple(float(v) for v in norm_range)
        if not (0 <= norm_range[0] <= d_min and norm_range[0] < norm_range[1]):
            raise ValueError(f'need 0 <= norm_range[0] <= d_min and norm_range[0] < norm_range[1] '
                             f'(clipping planes inside the normalisation bounds), got '
                             f'norm_range={norm_range}, d_min={d_min}')
        self.num_bins, self.d_min, self.d_max, self.spacing = num_bins, d_min, d_max, spacing
        self.norm_range = norm_range

    def _to_space(self, depth: torch.Tensor) -> torch.Tensor:
        if self.spacing == 'uniform':
            return depth
        if self.spacing == 'log':
            return torch.log(depth.clamp(min=self.d_min))
        return normalized_log_depth(depth, *self.norm_range)

    def _from_space(self, value: torch.Tensor) -> torch.Tensor:
        if self.spacing == 'uniform':
            return value
        if self.spacing == 'log':
            return torch.exp(value)
        return from_normalized_log(value, *self.norm_range)

    def _space_range(self):
        lo, hi = self._to_space(torch.tensor([self.d_min, self.d_max], dtype=torch.float64))
        return float(lo), float(hi)

    def encode(self, depth: torch.Tensor) -> torch.Tensor:
        """Interval index (int64) of each depth; invalid depth (<= 0, NaN) gets 255."""
        lo, hi = self._space_range()
        position = (self._to_space(depth.double()) - lo) / (hi - lo) * self.num_bins
        bins = position.floor().clamp(0, self.num_bins - 1).long()
        invalid = ~(torch.isfinite(depth) & (depth > 0))
        return bins.masked_fill(invalid, 255)

    def centers(self) -> torch.Tensor:
        """Metric depth at the centre of each interval, shape (num_bins,)."""
        lo, hi = self._space_range()
        middle = lo + (torch.arange(self.num_bins, dtype=torch.float64) + 0.5) * (hi - lo) / self.num_bins
        return self._from_space(middle).float()

    def decode(self, bins: torch.Tensor) -> torch.Tensor:
        """Metric depth of interval indices."""
        return self.centers().to(bins.device)[bins.clamp(0, self.num_bins - 1)]
