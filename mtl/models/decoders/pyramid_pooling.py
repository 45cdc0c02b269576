"""Pyramid pooling decoder (Zhao et al., "Pyramid Scene Parsing Network", CVPR 2017, Sec. 3.2),
one per task as in MultiDepth (Liebel & Körner 2019, Sec. 3.1 and Fig. 2).

On a dilated ResNet (output stride 8) the pyramid pooling module average-pools the feature
map to ``bins`` × ``bins`` grids (1, 2, 3, 6), reduces each pooled map with a 1×1
conv–BN–ReLU to C/N channels (N = number of bins, so C/4 for the default four), up-samples
them bilinearly to the feature size and concatenates them with the input feature. A 3×3
conv–BN–ReLU and channel dropout follow; the task head's 1×1 convolution (e.g.
``NormalizedLogDepthHead(kernel_size=1)``) maps to the output and up-samples to the image.

Stages (interaction plugins may sit at their boundaries):

* stage 0: the pyramid pooling module, ``in_channels`` → ``in_channels + N·C/N`` (= 2C);
* stage 1: the conv block, 3×3 conv–BN–ReLU–Dropout2d → ``channels``.

MultiDepth "use[s] skip connections as in the original PSPNet to retain spatial
structure". The original PSPNet has no lateral connections from earlier layers; its only
skip is the concatenation of the un-pooled input feature with the pooled context inside
the pyramid pooling module (besides the ResNet's residual connections), and the released
MultiDepth code does exactly that. We read the sentence that way. PSPNet's auxiliary
loss on ``layer3`` is deliberately absent: the paper says it was not implemented.

As in PSPNet, training needs batches of at least two images: the batch normalisation of
the 1×1 bin sees one value per channel and image.
"""
from typing import List, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Branch
from mtl.registry import MODELS


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class PyramidPoolingModule(nn.Module):
    """``cat([x, up(conv(pool_b(x))) for b in bins])``: B×C×h×w → B×(C + N·C_b)×h×w."""

    def __init__(self, in_channels: int, bins: Sequence[int], pool_channels: int):
        super().__init__()
        self.bins = tuple(int(b) for b in bins)
        self.paths = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), conv_bn_relu(in_channels, pool_channels, 1))
            for b in self.bins)
        self.out_channels = in_channels + len(self.bins) * pool_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        pooled: List[torch.Tensor] = [
            F.interpolate(path(x), size=size, mode='bilinear', align_corners=False)
            for path in self.paths]  # each (B, C_b, h, w)
        return torch.cat([x, *pooled], dim=1)


@MODELS.register_module()
class PyramidPoolingDecoder(Branch):
    """PSPNet's decoder as a two-stage branch (see the module docstring).

    Args:
        in_channels: channels of the branch input (filled by the model; 2048 for ResNet-101).
        bins: output grid sizes of the adaptive average pooling.
        pool_channels: channels of each pooled path; default ``in_channels // len(bins)``.
        channels: output channels of the 3×3 conv block (PSPNet: 512).
        dropout: channel dropout after the conv block (PSPNet: 0.1).
    """

    def __init__(self, in_channels: int, bins: Sequence[int] = (1, 2, 3, 6),
                 pool_channels: int = 0, channels: int = 512, dropout: float = 0.1):
        super().__init__()
        if not bins or any(int(b) < 1 for b in bins):
            raise ValueError(f'bins must be a non-empty list of positive grid sizes, got {bins!r}')
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f'dropout must be in [0, 1), got {dropout}')
        pool_channels = pool_channels or max(in_channels // len(bins), 1)
        self.in_channels = in_channels
        ppm = PyramidPoolingModule(in_channels, bins, pool_channels)
        block = nn.Sequential(conv_bn_relu(ppm.out_channels, channels, 3), nn.Dropout2d(dropout))
        self.stages = nn.ModuleList([ppm, block])
        self.stage_channels = [ppm.out_channels, channels]
