"""Focal loss (Lin et al., ICCV 2017, Eq. 5), multi-class, per pixel.

FL = −α_t (1 − p_t)^γ log p_t, averaged over labelled pixels. ``alpha`` is a scalar
(0.25, the focal-loss paper's value that Jiao et al. cite for their semantic loss,
Eq. 6) or one value per class (e.g. from inverse class frequencies).
"""
from typing import Optional, Sequence, Union

import torch
from torch.nn import functional as F

from mtl.models.base import Loss
from mtl.models.losses.cross_entropy import check_labels
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX


@MODELS.register_module()
class FocalLoss(Loss):
    task_type = 'classification'

    def __init__(self, alpha: Union[float, Sequence[float]] = 0.25, gamma: float = 2.0,
                 ignore_index: int = IGNORE_INDEX):
        super().__init__()
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        self.register_buffer('alpha', torch.as_tensor(alpha, dtype=torch.float32), persistent=False)
        self.gamma, self.ignore_index = gamma, ignore_index

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        target = target.long()
        if target.dim() == pred.dim():
            target = target.squeeze(1)
        check_labels(target, pred.shape[1], self.ignore_index)
        if self.alpha.dim() == 1 and self.alpha.numel() != pred.shape[1]:
            raise ValueError(f'alpha has {self.alpha.numel()} values for {pred.shape[1]} classes')
        labelled = target != self.ignore_index
        if not labelled.any():
            return (pred * 0).sum()
        log_p = F.log_softmax(pred, dim=1).permute(0, 2, 3, 1)[labelled]  # (N, K)
        labels = target[labelled]
        log_pt = log_p.gather(1, labels[:, None]).squeeze(1)
        alpha_t = self.alpha[labels] if self.alpha.dim() == 1 else self.alpha
        return (-alpha_t * (1 - log_pt.exp()) ** self.gamma * log_pt).mean()
