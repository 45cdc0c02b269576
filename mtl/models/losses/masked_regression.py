"""Masked L1 and L2 losses: means over labelled pixels only.

The L2 form is the sparse MSE that MultiDepth (Liebel & Körner, 2019) trains its
normalised log depth with; the L1 form is the plain mean absolute error.
"""
from typing import Optional

import torch

from mtl.models.base import Loss, masked_mean
from mtl.registry import MODELS


@MODELS.register_module()
class MaskedL1Loss(Loss):
    """mean |pred − target| over valid pixels (zero, with a gradient, if none is valid)."""

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return masked_mean((pred - target.nan_to_num()).abs(), valid_mask)


@MODELS.register_module()
class MaskedL2Loss(Loss):
    """mean (pred − target)² over valid pixels: MultiDepth's sparse MSE."""

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return masked_mean((pred - target.nan_to_num()) ** 2, valid_mask)
