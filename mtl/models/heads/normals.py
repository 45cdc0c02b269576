"""Surface normal head: unit vectors in camera coordinates.

No paper: a convolution normalised to unit length.
"""
import torch
from torch.nn import functional as F

from mtl.models.base import ConvHead
from mtl.registry import MODELS


@MODELS.register_module()
class NormalHead(ConvHead):
    """Three channels normalised to unit length (after resizing, so that the output at
    every resolution is a unit field)."""
    default_target = 'normals'

    def __init__(self, in_channels: int, hidden_channels: int = 0):
        super().__init__(in_channels, 3, hidden_channels)

    def activate(self, raw: torch.Tensor) -> torch.Tensor:
        return F.normalize(raw, dim=1, eps=1e-6)

    def resize(self, output: torch.Tensor, size) -> torch.Tensor:
        return self.activate(super().resize(output, size))

    def merge_flip(self, output: torch.Tensor, flipped_output: torch.Tensor) -> torch.Tensor:
        return self.activate(super().merge_flip(output, flipped_output))

    def unflip(self, output: torch.Tensor) -> torch.Tensor:
        """A horizontal flip mirrors the x axis: flip the map and negate n_x."""
        output = output.flip(-1)
        return torch.cat([-output[:, :1], output[:, 1:]], dim=1)
