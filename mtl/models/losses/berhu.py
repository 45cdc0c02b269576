"""Reverse Huber (berHu) loss (Laina et al., 3DV 2016, Eq. 1; Zwald & Lambert-Lacroix).

B(x) = |x| for |x| <= c, (x² + c²) / (2c) otherwise, with c = ``threshold`` × the
batch's largest absolute error over valid pixels, detached from the graph (c = 0.2·max
in FCRN). L1 near zero keeps small residuals' gradients; L2 beyond c weights large ones.
"""
from typing import Optional

import torch

from mtl.models.base import Loss, masked_mean
from mtl.models.losses.functional import berhu, berhu_threshold
from mtl.registry import MODELS


@MODELS.register_module()
class BerHuLoss(Loss):

    def __init__(self, threshold: float = 0.2):
        super().__init__()
        self.threshold = threshold

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        error = pred - target.nan_to_num()
        c = berhu_threshold(error, valid_mask, self.threshold)
        return masked_mean(berhu(error, c if c is not None else error.new_zeros(())), valid_mask)
