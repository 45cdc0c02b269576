"""Multi-scale feature aggregation of the PAD-Net front end (Xu, Ouyang, Wang & Sebe,
CVPR 2018, "PAD-Net: Multi-Tasks Guided Prediction-and-Distillation Network for
Simultaneous Depth Estimation and Scene Parsing", §3.2 and Fig. 2).

"The larger-resolution feature maps from shallower layers are down-sampled via
convolution and bilinear interpolation operations to the resolution of the last-scale
feature map. The convolution operations are also used to control the number of feature
channels [...] then all the re-scaled feature maps are concatenated."

Readings where the text is loose (no equation is given):

- every shallower level ``i`` goes through one 3×3 convolution – BN – ReLU with stride
  ``strides[i]`` (default 2) to ``channels`` channels, then bilinear resizing
  (``align_corners=False``) to the last level's size, so the stride only needs to bring
  the map close to it and the resizing makes it exact;
- the last level is concatenated as it is (the paper reduces only the "previous
  scales");
- the concatenation is ``[last, level_0', level_1', ...]`` and replaces the last level
  of the feature list; the shallower levels stay in the list unchanged, so decoders
  with skip connections still see them.
"""
from typing import List, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.registry import MODELS


@MODELS.register_module()
class MultiScaleAggregation(nn.Module):
    """See the module docstring.

    Args:
        in_channels: channels of each feature level (given by the model).
        channels: width each shallower level is reduced to.
        strides: stride of each shallower level's convolution (one per level but the
            last); default 2 for all.
    """

    def __init__(self, in_channels: Sequence[int], channels: int = 128,
                 strides: Optional[Sequence[int]] = None):
        super().__init__()
        in_channels = list(in_channels)
        if len(in_channels) < 2:
            raise ValueError(f'MultiScaleAggregation needs at least two feature levels, got '
                             f'in_channels={in_channels}; set the backbone\'s out_indices')
        strides = list(strides) if strides is not None else [2] * (len(in_channels) - 1)
        if len(strides) != len(in_channels) - 1:
            raise ValueError(f'strides needs one entry per level but the last '
                             f'({len(in_channels) - 1}), got {strides}')
        self.reduce = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, channels, 3, stride=s, padding=1, bias=False),
                          nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
            for c, s in zip(in_channels[:-1], strides))
        self.out_channels: List[int] = in_channels[:-1] + [
            in_channels[-1] + channels * (len(in_channels) - 1)]

    def forward(self, features: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        last = features[-1]  # (B, C_L, h, w)
        size = last.shape[-2:]
        resized = [F.interpolate(conv(x), size=size, mode='bilinear', align_corners=False)
                   for conv, x in zip(self.reduce, features[:-1])]
        return list(features[:-1]) + [torch.cat([last, *resized], dim=1)]
