"""Contour (boundary) head: one logit per pixel; predictions are probabilities.

No paper: a convolution and a sigmoid; the loss that trains it (class-balanced BCE,
Xie & Tu, ICCV 2015) is a separate component.
"""
import torch

from mtl.models.base import ConvHead
from mtl.registry import MODELS


@MODELS.register_module()
class ContourHead(ConvHead):
    """One boundary logit per pixel; :meth:`predict` applies the sigmoid."""
    default_target = 'contours'

    def __init__(self, in_channels: int, hidden_channels: int = 0):
        super().__init__(in_channels, 1, hidden_channels)

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(output)
