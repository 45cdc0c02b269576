"""Pixel-wise cross-entropy with an ignore index and optional class weights.

No paper: the standard multi-class cross-entropy, as ``torch.nn.functional.cross_entropy``
defines it.
"""
from typing import Optional, Sequence

import torch
from torch.nn import functional as F

from mtl.models.base import Loss
from mtl.models.losses.functional import label_map
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX


@MODELS.register_module()
class CrossEntropyLoss(Loss):
    """Mean over labelled pixels (weighted mean when ``class_weight`` is given, as
    ``torch.nn.functional.cross_entropy`` defines it); 0 for a batch without labels."""
    task_type = 'classification'

    def __init__(self, class_weight: Optional[Sequence[float]] = None,
                 ignore_index: int = IGNORE_INDEX, label_smoothing: float = 0.0):
        super().__init__()
        weight = torch.tensor(class_weight, dtype=torch.float32) if class_weight is not None else None
        self.register_buffer('class_weight', weight, persistent=False)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        target = label_map(pred, target, self.ignore_index)
        if not (target != self.ignore_index).any():
            return (pred * 0).sum()
        return F.cross_entropy(pred, target, weight=self.class_weight, ignore_index=self.ignore_index,
                               label_smoothing=self.label_smoothing)
