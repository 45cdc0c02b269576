"""A task's path through the backbone's scales, coarsest first: MTI-Net's per-scale task
features from which the initial task predictions are made (Vandenhende, Georgoulis &
Van Gool, ECCV 2020, §3.1–3.2, Fig. 2)::

    F_S^t = R_S^t(B_S)                                   the coarsest scale (1/32)
    F_s^t = R_s^t([B_s, up(G_{s+1}^t)])                  s = S-1, ..., 1 (1/16 ... 1/4)

B_s is the backbone's feature at scale s, G_{s+1}^t the task's feature coming from the
coarser scale — after the feature propagation module placed at that boundary
(``FeaturePropagation``), or the stage's own output without one — up-sampled bilinearly
to B_s's size, and R_s^t two ResNet basic blocks (the refinement of the authors' code).
Stage i of the branch is scale S-i, so boundary i holds F at the i-th coarsest scale:
deep supervision there (``deep_supervision=(1, ..., S)``) gives the paper's initial
task predictions, and ``feature:task@i`` names the features the distillation reads.

Readings: the refinement's width at each scale is the backbone's width there (HRNet-18:
144, 72, 36, 18), as in the authors' code; ``channels`` sets others (e.g. narrower for a
ResNet). The branch reads the deepest level first (``in_index`` -1).
"""
from typing import Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Branch
from mtl.models.blocks import basic_block
from mtl.registry import MODELS


@MODELS.register_module()
class MultiScaleRefinementDecoder(Branch):
    """One refinement stage per backbone level, deepest first.

    Args:
        in_channels: channels of the branch input, the deepest level (given by the model).
        feature_channels: channels of every backbone level, finest first (given by the model).
        channels: output channels per stage, coarsest scale first; default: the backbone's
            channels at each scale.
    """

    def __init__(self, in_channels: int, feature_channels: Sequence[int],
                 channels: Optional[Sequence[int]] = None):
        super().__init__()
        levels = list(feature_channels)[::-1]  # coarsest first
        if not levels or in_channels != levels[0]:
            raise ValueError(f'the branch reads the deepest backbone level first ({levels[:1]} '
                             f'channels), got an input of {in_channels}: leave in_index at -1')
        channels = list(channels) if channels is not None else levels
        if len(channels) != len(levels):
            raise ValueError(f'channels needs one width per backbone level ({len(levels)}), '
                             f'got {channels}')
        self.in_channels = in_channels
        inputs = [levels[0]] + [level + previous for level, previous in zip(levels[1:], channels)]
        self.stages = nn.ModuleList(nn.Sequential(basic_block(cin, cout), basic_block(cout, cout))
                                    for cin, cout in zip(inputs, channels))
        self.stage_channels = channels

    def forward_stage(self, index: int, x: torch.Tensor, context: dict) -> torch.Tensor:
        if index:
            level = context['features'][-1 - index]  # (B, C_s, H/r_s, W/r_s)
            x = torch.cat([level, F.interpolate(x, size=level.shape[-2:], mode='bilinear',
                                                align_corners=False)], dim=1)
        return self.stages[index](x)
