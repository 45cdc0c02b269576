"""Up-convolution decoder with up-projection blocks (Laina et al., 3DV 2016, "Deeper
Depth Prediction with Fully Convolutional Residual Networks", Sec. 3.2 / Fig. 2).

An up-projection block doubles the resolution by unpooling (each value to the top-left of
a 2×2 block of zeros), then adds a 5×5 conv – ReLU – 3×3 conv path to a 5×5 conv
projection, followed by ReLU. The decoder starts with a convolution that reduces the
encoder's channels (FCRN's and Jiao et al.'s ``conv2``: 2048 → 1024 for ResNet-50).
"""
from typing import Sequence

import torch
from torch import nn

from mtl.models.base import Branch
from mtl.registry import MODELS


def conv_bn(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels))


def unpool(x: torch.Tensor) -> torch.Tensor:
    """2× unpooling of Laina et al.: each value goes to the top-left of a 2×2 block."""
    b, c, h, w = x.shape
    out = x.new_zeros(b, c, 2 * h, 2 * w)
    out[:, :, ::2, ::2] = x
    return out


class UpProjection(nn.Module):
    """Laina et al.'s up-projection block: ``relu(conv3(relu(conv5(u))) + conv5'(u))``, u = unpool(x)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.main = nn.Sequential(conv_bn(in_channels, out_channels, 5), nn.ReLU(inplace=True),
                                  conv_bn(out_channels, out_channels, 3))
        self.projection = conv_bn(in_channels, out_channels, 5)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = unpool(x)
        return self.relu(self.main(x) + self.projection(x))


@MODELS.register_module()
class UpConvDecoder(Branch):
    """``conv(in -> channels[0])`` then one up-projection stage per further entry.

    Stage 0 is the reducing convolution (1×1 by default, as FCRN's ``conv2``); stages
    1..n are up-projection blocks, each doubling the resolution. With the default plan
    for ResNet-50, ``channels=(1024, 512, 256, 128, 64)`` reproduces FCRN / Jiao et al.
    supplement Table 3.
    """

    def __init__(self, in_channels: int, channels: Sequence[int] = (1024, 512, 256, 128, 64),
                 reduce_kernel: int = 1):
        super().__init__()
        if len(channels) < 2:
            raise ValueError(f'channels needs a reduction width and at least one up-projection, '
                             f'got {tuple(channels)}')
        self.in_channels = in_channels
        reduce = nn.Sequential(conv_bn(in_channels, channels[0], reduce_kernel), nn.ReLU(inplace=True))
        ups = [UpProjection(cin, cout) for cin, cout in zip(channels[:-1], channels[1:])]
        self.stages = nn.ModuleList([reduce, *ups])
        self.stage_channels = list(channels)
