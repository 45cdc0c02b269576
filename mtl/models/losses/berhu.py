"""Reverse Huber (berHu) loss (Laina et al., 3DV 2016, Eq. 1; Zwald & Lambert-Lacroix).

B(x) = |x| for |x| <= c, (x² + c²) / (2c) otherwise, with c = ``threshold`` × the
batch's largest absolute error over valid pixels, detached from the graph (c = 0.2·max
in FCRN). L1 near zero keeps small residuals' gradients; L2 beyond c weights large ones.
"""
from typing import Optional

import torch

from mtl.models.base import Loss, masked_mean
from mtl.registry import MODELS


def berhu(error: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Element-wise berHu of ``error`` with threshold ``c`` (c = 0 gives |error|)."""
    absolute = error.abs()
    quadratic = (error ** 2 + c ** 2) / (2 * c.clamp(min=torch.finfo(error.dtype).tiny))
    return torch.where((absolute <= c) | (c <= 0), absolute, quadratic)


@MODELS.register_module()
class BerHuLoss(Loss):

    def __init__(self, threshold: float = 0.2):
        super().__init__()
        self.threshold = threshold

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        error = pred - target.nan_to_num()
        valid = valid_mask.unsqueeze(1).expand_as(error) if valid_mask is not None else None
        absolute = error.detach().abs()
        if valid is not None:
            absolute = absolute[valid]
        c = self.threshold * absolute.max() if absolute.numel() else error.new_zeros(())
        return masked_mean(berhu(error, c), valid_mask)
