"""L1 distance between log depths, over valid pixels: |ln pred − ln gt|."""
from typing import Optional

import torch

from mtl.models.base import Loss, masked_mean
from mtl.registry import MODELS


@MODELS.register_module()
class LogL1Loss(Loss):

    def __init__(self, eps: float = 1e-3):
        super().__init__()
        self.eps = eps

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        error = torch.log(pred.clamp(min=self.eps)) - torch.log(target.clamp(min=self.eps))
        return masked_mean(error.abs(), valid_mask)
