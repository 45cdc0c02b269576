"""Depth-aware loss L_DA (Jiao, Cao, Song & Lau, ECCV 2018, Eqs. 1-2 and Sec. 3.3).

    L_DA = 1/N Σ_i (α_D + λ_D) · ℓ(d_i, d_i^GT)

- ``α_D`` is the ground truth normalised over the dataset's depth range,
  ``(d^GT − min_depth) / (max_depth − min_depth)`` clipped to [0, 1] (10 m for NYU
  Depth v2): distant pixels, the tail of the depth distribution, weigh more.
- ``λ_D = 1 − min(log d, log d^GT) / max(log d, log d^GT)`` (Eq. 2) keeps a gradient
  for near pixels that are badly predicted. Read literally it leaves [0, 1] below 1 m,
  where the logarithms are negative (d = 0.5, d^GT = 2 gives λ = 2). We take
  logarithms of ``log_offset + d`` with ``log_offset ≥ 1`` (default 1, i.e. log(1 + d)):
  both logarithms are then positive, so λ_D ∈ [0, 1), λ_D = 0 exactly when
  d = d^GT, and λ_D → 1 when one depth is gross relative to the other (→ 0 or → ∞).
  Since log is increasing, ``λ_D = 1 − log(c + min(d, d^GT)) / log(c + max(d, d^GT))``.
- ``ℓ`` is berHu, the "reverse smooth L1" of Laina et al. (c = ``berhu_threshold`` ×
  the batch's largest absolute error over valid pixels).

``detach_lambda=True`` treats λ_D as a weight only; by default the loss is
differentiated as written, so λ_D also pulls d towards d^GT. Pixels whose ground truth
is invalid are left out of the mean (N counts valid pixels).
"""
from typing import Optional

import torch

from mtl.models.base import Loss, masked_mean
from mtl.models.losses.functional import berhu, berhu_threshold
from mtl.registry import MODELS


def depth_lambda(pred: torch.Tensor, target: torch.Tensor, log_offset: float = 1.0) -> torch.Tensor:
    """λ_D of Eq. 2 with logarithms of ``log_offset + depth`` (see the module docstring)."""
    low = torch.log(log_offset + torch.minimum(pred, target).clamp(min=0))
    high = torch.log(log_offset + torch.maximum(pred, target).clamp(min=0))
    return 1 - low / high.clamp(min=torch.finfo(high.dtype).tiny)


@MODELS.register_module()
class DepthAwareLoss(Loss):
    """See the module docstring.

    Args:
        max_depth: top of the dataset's depth range in metres (α_D = 1 there); no default,
            the dataset's base config states it.
        min_depth: bottom of the range (α_D = 0 there).
        log_offset: c in log(c + d) for λ_D; must be ≥ 1.
        berhu_threshold: berHu's c as a fraction of the batch's largest error.
        detach_lambda: stop the gradient through λ_D.
    """

    def __init__(self, max_depth: float, min_depth: float = 0.0, log_offset: float = 1.0,
                 berhu_threshold: float = 0.2, detach_lambda: bool = False):
        super().__init__()
        if not 0 <= min_depth < max_depth:
            raise ValueError(f'need 0 <= min_depth < max_depth, got {min_depth}, {max_depth}')
        if log_offset < 1:
            raise ValueError(f'log_offset must be >= 1 so that log(log_offset + d) > 0 for every '
                             f'depth d > 0 and λ_D stays in [0, 1); got {log_offset}')
        self.max_depth, self.min_depth, self.log_offset = max_depth, min_depth, log_offset
        self.berhu_threshold, self.detach_lambda = berhu_threshold, detach_lambda

    def dataset_values(self) -> dict:
        return {'max_depth': self.max_depth}

    def attention(self, target: torch.Tensor) -> torch.Tensor:
        """α_D: the ground truth normalised over the depth range."""
        return ((target - self.min_depth) / (self.max_depth - self.min_depth)).clamp(0, 1)

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        target = target.nan_to_num()
        error = pred - target
        c = berhu_threshold(error, valid_mask, self.berhu_threshold)
        if c is None:  # no valid pixel: a zero that keeps the graph
            return (pred * 0).sum()
        lam = depth_lambda(pred, target, self.log_offset)
        if self.detach_lambda:
            lam = lam.detach()
        return masked_mean((self.attention(target) + lam) * berhu(error, c), valid_mask)
