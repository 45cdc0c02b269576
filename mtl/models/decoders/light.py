"""A light decoder: per stage, bilinear 2× up-sampling then a 3×3 conv–BN–ReLU.

With ``skips=True`` each stage concatenates the backbone feature of the matching
resolution before its convolution (a U-Net-style lateral path), which sharpens
boundaries at little cost.

No paper: a small decoder of our own for fast CPU runs and tests.
"""
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Branch
from mtl.registry import MODELS


class UpsampleConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor, skip: torch.Tensor = None) -> torch.Tensor:
        size = skip.shape[-2:] if skip is not None else (2 * x.shape[-2], 2 * x.shape[-1])
        x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv(x)


@MODELS.register_module()
class LightDecoder(Branch):
    """Bilinear-upsample + conv stages, ``channels[i]`` output channels for stage ``i``.

    Args:
        in_channels: channels of the branch input (the deepest backbone feature).
        channels: output channels per stage; each stage doubles the resolution.
        skips: concatenate backbone features (deepest first, skipping the input level)
            at stages whose resolution matches; ``feature_channels`` is filled by the model.
    """

    def __init__(self, in_channels: int, channels: Sequence[int] = (256, 128, 64, 32),
                 skips: bool = False, feature_channels: Sequence[int] = ()):
        super().__init__()
        self.in_channels = in_channels
        self.skips = skips
        skip_channels = list(feature_channels[-2::-1]) if skips else []
        stages, cin = [], in_channels
        for i, cout in enumerate(channels):
            extra = skip_channels[i] if i < len(skip_channels) else 0
            stages.append(UpsampleConv(cin + extra, cout))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.stage_channels = list(channels)
        self.num_skips = min(len(skip_channels), len(channels))

    def forward_stage(self, index: int, x: torch.Tensor, context: dict) -> torch.Tensor:
        skip = None
        if index < self.num_skips:
            skip = context['features'][-2 - index]
        return self.stages[index](x, skip)
