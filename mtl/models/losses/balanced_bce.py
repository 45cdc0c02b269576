"""Class-balanced binary cross-entropy for contours (Xie & Tu, HED, ICCV 2015, Eq. 2).

Positives are weighted by β = |Y−| / |Y| and negatives by 1 − β, counted over the
labelled pixels of the batch, so that rare boundary pixels are not drowned out.
"""
from typing import Optional

import torch
from torch.nn import functional as F

from mtl.models.base import Loss
from mtl.registry import MODELS


@MODELS.register_module()
class BalancedBCELoss(Loss):
    task_type = 'classification'

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        labelled = valid_mask.unsqueeze(1) if valid_mask is not None else torch.ones_like(pred, dtype=torch.bool)
        if not labelled.any():
            return (pred * 0).sum()
        logits, labels = pred[labelled], target[labelled].float()
        positives = labels.sum()
        beta = (labels.numel() - positives) / labels.numel()
        weights = torch.where(labels > 0.5, beta, 1 - beta)
        return F.binary_cross_entropy_with_logits(logits, labels, weight=weights, reduction='sum') / labels.numel()
