"""Scale-invariant log loss (Eigen et al., NIPS 2014, Eq. 4), as BTS trains with it.

d = ln pred − ln gt over valid pixels; L = sqrt(mean(d²) − λ·mean(d)²) × ``scale``.
λ = 0.85 and scale 10 follow BTS (Lee et al. 2019); Eigen's original is λ = 0.5 without
the square root (``sqrt=False``, ``scale=1``).
"""
from typing import Optional

import torch

from mtl.models.base import Loss
from mtl.registry import MODELS


@MODELS.register_module()
class SILogLoss(Loss):

    def __init__(self, lambd: float = 0.85, scale: float = 10.0, sqrt: bool = True, eps: float = 1e-6):
        super().__init__()
        if not 0 <= lambd <= 1:
            raise ValueError(f'lambd must lie in [0, 1], got {lambd}')
        self.lambd, self.scale, self.sqrt, self.eps = lambd, scale, sqrt, eps

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        if valid_mask is None:
            valid_mask = torch.ones_like(target[:, 0], dtype=torch.bool)
        valid = valid_mask.unsqueeze(1).expand_as(pred)
        if not valid.any():
            return (pred * 0).sum()
        d = torch.log(pred[valid].clamp(min=self.eps)) - torch.log(target[valid].clamp(min=self.eps))
        value = (d ** 2).mean() - self.lambd * d.mean() ** 2
        return self.scale * (torch.sqrt(value.clamp(min=self.eps)) if self.sqrt else value)
