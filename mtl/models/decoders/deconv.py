"""Deconvolution decoder of PAD-Net (Xu et al., CVPR 2018, §3.3 and §3.5).

Each stage is a transposed convolution (4×4, stride 2, padding 1: exactly 2× the
resolution) – BN – ReLU to the stage's channels. PAD-Net uses it twice:

- intermediate prediction (§3.3): one stage from the front end to ``N`` channels at 2×
  its resolution (N = 512 for depth and segmentation, N/2 for normals and contours);
- final decoders (§3.5): two further stages, "each 2 time up-scales in resolution and
  accordingly reduces the number of output channels by half".

A final task's branch is therefore ``DeconvDecoder(channels=(N, N/2, N/4))`` with its
intermediate prediction at boundary 1 (``deep_supervision=(1,)``) and the distillation
interaction placed there; an intermediate-only task is ``DeconvDecoder(channels=(N/2,))``.
The paper gives no kernel size; 4×4 / stride 2 / padding 1 is the usual exact 2× choice.
"""
from typing import Sequence

from torch import nn

from mtl.models.base import Branch
from mtl.registry import MODELS


def deconv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    """A 2× up-sampling transposed convolution – BN – ReLU."""
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


@MODELS.register_module()
class DeconvDecoder(Branch):
    """One 2× deconvolution stage per entry of ``channels``."""

    def __init__(self, in_channels: int, channels: Sequence[int] = (512, 256, 128)):
        super().__init__()
        if not channels:
            raise ValueError('channels needs at least one stage width, e.g. (512, 256, 128)')
        self.in_channels = in_channels
        widths = [in_channels, *channels]
        self.stages = nn.ModuleList(deconv_bn_relu(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.stage_channels = list(channels)
