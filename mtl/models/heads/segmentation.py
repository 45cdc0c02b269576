"""Semantic segmentation head: per-class logits; predictions are labels.

No paper: a convolution to one logit per class.
"""
import torch

from mtl.models.base import ConvHead
from mtl.registry import MODELS


@MODELS.register_module()
class SegHead(ConvHead):
    """``num_classes`` logits per pixel; :meth:`predict` takes the arg-max."""
    default_target = 'seg'

    def __init__(self, in_channels: int, num_classes: int, hidden_channels: int = 0):
        if num_classes < 2:
            raise ValueError(f'num_classes must be at least 2, got {num_classes}')
        super().__init__(in_channels, num_classes, hidden_channels)
        self.num_classes = num_classes

    def dataset_values(self) -> dict:
        return {'num_classes': self.num_classes}

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return output.argmax(dim=1)
