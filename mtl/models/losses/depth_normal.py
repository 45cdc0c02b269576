"""Depth-normal loss L_norm (CI-Net, Gao et al., Applied Intelligence 2022, Eq. 10; the
normal loss of Hu et al., WACV 2019).

    L_norm = Σ_ij 1 − ⟨n_ij, ñ_ij⟩ / (|n_ij| |ñ_ij|),   n = (−∇x d, −∇y d, 1)ᵀ

compares the surface orientation implied by the predicted and the true depth maps; it
weighs small structures and high-frequency detail that per-pixel losses average away.

Readings: ∇x d and ∇y d are forward differences in pixel units (d_i,j+1 − d_ij and
d_i+1,j − d_ij), defined where the three pixels have valid ground truth. ``reduction=
'mean'`` (default) averages over those pixels; ``'sum'`` is Eq. 10 as written. Two depth
maps that differ by a constant, or by nothing, give 0.
"""
from typing import Optional

import torch
from torch.nn import functional as F

from mtl.models.base import Loss, masked_mean
from mtl.registry import MODELS


def depth_normals(depth: torch.Tensor) -> torch.Tensor:
    """``(−∇x d, −∇y d, 1)`` of a B×1×H×W map, on its first H−1 rows and W−1 columns."""
    grad_x = depth[..., :-1, 1:] - depth[..., :-1, :-1]
    grad_y = depth[..., 1:, :-1] - depth[..., :-1, :-1]
    return torch.cat([-grad_x, -grad_y, torch.ones_like(grad_x)], dim=1)


@MODELS.register_module()
class DepthNormalLoss(Loss):
    """See the module docstring.

    Args:
        reduction: ``'mean'`` or ``'sum'`` (Eq. 10 as written).
    """

    def __init__(self, reduction: str = 'mean'):
        super().__init__()
        if reduction not in ('mean', 'sum'):
            raise ValueError(f'reduction must be "mean" or "sum", got "{reduction}"')
        self.reduction = reduction

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        target = target.nan_to_num()
        cosine = F.cosine_similarity(depth_normals(pred), depth_normals(target), dim=1)
        mask = None
        if valid_mask is not None:
            mask = valid_mask[:, :-1, :-1] & valid_mask[:, :-1, 1:] & valid_mask[:, 1:, :-1]
        if self.reduction == 'mean':
            return masked_mean(1 - cosine, mask)
        return (1 - cosine).masked_fill(~mask, 0).sum() if mask is not None else (1 - cosine).sum()
