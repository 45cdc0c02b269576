"""A branch of plain convolutional layers, one per stage: conv–BN–ReLU with a stride.

Jiao et al., ECCV 2018, supplement §2 (Fig. 2, Tables 1–2) compare information-sharing
structures between a depth and a semantic network of "5 convolutional layers" each; the
supplement gives no widths, kernels or strides. This branch is that task network, with
those left as arguments (``configs/_base_/models/jiao_sharing.py`` chooses them).
"""
from typing import Sequence

from torch import nn

from mtl.models.base import Branch
from mtl.registry import MODELS


@MODELS.register_module()
class ConvLayers(Branch):
    """Stage ``i``: a ``kernel_size``² convolution to ``channels[i]`` with stride
    ``strides[i]``, batch norm and ReLU.

    Args:
        in_channels: channels of the branch input (filled by the model: the image's 3
            without a backbone, or the channels of the named tensor the task reads).
        channels: output channels per layer; ``len(channels)`` is the number of layers.
        strides: stride per layer (default 1 for every layer).
        kernel_size: odd kernel size of every layer.
    """

    def __init__(self, in_channels: int, channels: Sequence[int] = (32, 32, 32, 32, 32),
                 strides: Sequence[int] = (), kernel_size: int = 3):
        super().__init__()
        strides = tuple(strides) or (1,) * len(channels)
        if len(strides) != len(channels):
            raise ValueError(f'strides {strides} needs one value per layer of channels '
                             f'{tuple(channels)}')
        if kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd (same padding), got {kernel_size}')
        self.in_channels = in_channels
        widths = [in_channels, *channels]
        self.stages = nn.ModuleList(
            nn.Sequential(nn.Conv2d(cin, cout, kernel_size, stride, kernel_size // 2, bias=False),
                          nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
            for cin, cout, stride in zip(widths[:-1], widths[1:], strides))
        self.stage_channels = list(channels)
