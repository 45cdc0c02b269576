"""Semi-dense up-skip connections, SUC (Jiao, Cao, Song & Lau, ECCV 2018, Eq. 4 and
Fig. 3 right; supplement Table 3).

    f_out = h̃(f_in) + Σ_{i=1..n} h̃(f_i)

``f_in`` is the decoder's input feature (``conv2`` in Table 3), ``f_i`` the output of
up-conv layer ``i``, and ``h̃`` "bilinear up-sampling with convolution" to the size and
channels of the last up-conv layer. Readings where the paper is not explicit:

- ``h̃`` is bilinear up-sampling followed by a ``kernel_size`` convolution, batch
  normalisation and ReLU (the supplement adds BN and ReLU to every conv layer);
- the last feature already has the target size, and Table 3 adds ``upconv_dep4``
  itself: it is taken as it is unless its width differs or ``transform_last=True``;
- ``conv_first=True`` convolves at each feature's own resolution and then up-samples, a
  cheaper order (the convolution then runs on up to 4ⁿ times fewer pixels) that we
  offer for CPU-sized models; the default follows the paper's order;
- ``mode='concat'`` concatenates the ``h̃`` outputs instead of summing them (the
  paper tried both and found the sum slightly better); the output then has
  ``(n + 1) × out_channels`` channels.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn
from torch.nn import functional as F

from mtl.registry import MODELS

MODES = ('sum', 'concat')


def resize(x: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


class UpResize(nn.Module):
    """``h̃``: bilinear resizing to a given size, then conv–BN–ReLU (the reverse order with
    ``conv_first``; resizing only with ``conv=False``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 conv: bool = True, conv_first: bool = False):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)) if conv else None
        self.conv_first = conv_first

    def forward(self, x: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        if self.conv is None:
            return resize(x, size)
        if self.conv_first:
            return resize(self.conv(x), size)
        return self.conv(resize(x, size))


@MODELS.register_module()
class SemiDenseUpSkip(nn.Module):
    """Fuses a decoder's features, coarsest first and the last at the output resolution.

    Args:
        in_channels: channels of ``f_in, f_1, ..., f_n`` in that order.
        out_channels: width of each ``h̃`` output (default: the last feature's width).
        mode: ``'sum'`` (Eq. 4) or ``'concat'``.
        kernel_size: kernel of the convolution in ``h̃``.
        transform_last: apply ``h̃`` to the last feature too.
        conv_first: convolve before up-sampling (cheaper; see the module docstring).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: Optional[int] = None,
                 mode: str = 'sum', kernel_size: int = 3, transform_last: bool = False,
                 conv_first: bool = False):
        super().__init__()
        if len(in_channels) < 2:
            raise ValueError(f'SemiDenseUpSkip fuses at least two features, got channels '
                             f'{tuple(in_channels)}')
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got "{mode}"')
        width = out_channels or in_channels[-1]
        convert = [True] * (len(in_channels) - 1) + [transform_last or in_channels[-1] != width]
        self.maps = nn.ModuleList(UpResize(c, width, kernel_size, conv, conv_first)
                                  for c, conv in zip(in_channels, convert))
        self.mode, self.width = mode, width

    @property
    def out_channels(self) -> int:
        return self.width * (len(self.maps) if self.mode == 'concat' else 1)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(features) != len(self.maps):
            raise ValueError(f'SemiDenseUpSkip was built for {len(self.maps)} features, got '
                             f'{len(features)}')
        size = tuple(features[-1].shape[-2:])
        mapped: List[torch.Tensor] = [h(f, size) for h, f in zip(self.maps, features)]
        return torch.cat(mapped, dim=1) if self.mode == 'concat' else sum(mapped)
