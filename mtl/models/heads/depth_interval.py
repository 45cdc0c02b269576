"""Depth-interval classification head (Liebel & Körner 2019, MultiDepth, Sec. 2.3).

Logits over ``num_bins`` depth intervals (uniform, log, or MultiDepth's normalised log
spacing, Eq. 2); predictions decode back to metres, either the centre of the most
likely interval or the probability-weighted mean of the centres. With
``norm_range`` the intervals span the quantisation clipping planes ``[d_min, d_max]``
while staying uniform in Eq. 2's space with the normalisation bounds ``norm_range``
(MultiDepth Sec. 3.3; see :mod:`mtl.utils.depth_space`).
"""
from typing import Optional, Tuple

import torch
from torch import nn

from mtl.models.base import ConvHead
from mtl.registry import MODELS
from mtl.utils.depth_space import DepthBinning

DECODINGS = ('argmax', 'expectation')


@MODELS.register_module()
class DepthIntervalHead(ConvHead):
    """Interval logits; supervised with the ``depth_bins`` target of ``DepthToIntervals``
    built with the same ``num_bins``, ``d_min``, ``d_max``, ``spacing`` (and
    ``norm_range``). ``kernel_size=1`` gives PSPNet's 1×1 classifier. ``d_min`` and
    ``d_max`` have no default: they depend on the dataset (the paper config states them)."""
    default_target = 'depth_bins'

    def __init__(self, in_channels: int, *, d_min: float, d_max: float, num_bins: int = 32,
                 spacing: str = 'normalized_log', decode: str = 'argmax',
                 hidden_channels: int = 0, norm_range: Optional[Tuple[float, float]] = None,
                 kernel_size: int = 3):
        super().__init__(in_channels, num_bins, hidden_channels)
        if decode not in DECODINGS:
            raise ValueError(f'decode must be one of {DECODINGS}, got "{decode}"')
        if kernel_size != 3:
            self.conv[-1] = nn.Conv2d(self.last_conv.in_channels, num_bins, kernel_size,
                                      padding=kernel_size // 2)
        self.binning = DepthBinning(num_bins, d_min, d_max, spacing, norm_range)
        self.decoding = decode
        self.register_buffer('centers', self.binning.centers().view(1, -1, 1, 1), persistent=False)

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Metric depth B×1×H×W."""
        if self.decoding == 'argmax':
            return self.centers.flatten()[output.argmax(dim=1, keepdim=True)]
        return (output.softmax(dim=1) * self.centers).sum(dim=1, keepdim=True)
