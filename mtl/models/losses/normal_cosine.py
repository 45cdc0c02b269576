"""Surface-normal loss: 1 − cos(pred, gt) averaged over pixels with a valid normal.

For unit vectors this is Eigen & Fergus's normal loss −N·N* (ICCV 2015) shifted
by 1, so that a perfect prediction scores 0.
"""
from typing import Optional

import torch
from torch.nn import functional as F

from mtl.models.base import Loss, masked_mean
from mtl.registry import MODELS


@MODELS.register_module()
class NormalCosineLoss(Loss):

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        cosine = F.cosine_similarity(pred, target, dim=1, eps=1e-6)  # (B, H, W)
        return masked_mean(1 - cosine, valid_mask)
