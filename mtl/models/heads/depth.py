"""Depth regression head: positive metric depth in metres.

No paper: a convolution and a positive activation; ``relu`` is the linear output of FCRN
(Laina et al., 3DV 2016) clipped at 0.
"""
import math

import torch
from torch.nn import functional as F

from mtl.models.base import ConvHead
from mtl.registry import MODELS

ACTIVATIONS = ('softplus', 'exp', 'relu', 'sigmoid')


@MODELS.register_module()
class DepthHead(ConvHead):
    """One-channel depth in metres, made positive by ``activation``.

    ``softplus`` (default) and ``exp`` are smooth and always positive; ``relu`` is
    FCRN's linear output clipped at 0; ``sigmoid`` bounds the output to
    ``(0, max_depth)``. Every output is at least ``min_depth``. The last convolution's bias
    starts at ``init_depth`` metres so that training starts near a plausible scene depth.

    ``min_depth`` and ``max_depth`` are the dataset's depth range: the dataset's base config
    states them (``configs/_base_/datasets/*.py``) and ``DatasetMetaCheckHook`` checks them
    against the training set's metainfo before the first iteration.
    """
    default_target = 'depth'

    def __init__(self, in_channels: int, *, min_depth: float, max_depth: float,
                 activation: str = 'softplus', init_depth: float = 3.0, hidden_channels: int = 0):
        super().__init__(in_channels, 1, hidden_channels)
        if activation not in ACTIVATIONS:
            raise ValueError(f'activation must be one of {ACTIVATIONS}, got "{activation}"')
        if not 0 < init_depth < max_depth:
            raise ValueError(f'need 0 < init_depth < max_depth, got {init_depth}, {max_depth}')
        self.activation, self.max_depth, self.min_depth = activation, max_depth, min_depth
        with torch.no_grad():
            self.last_conv.bias.fill_(self._inverse(init_depth))

    def dataset_values(self) -> dict:
        return {'min_depth': self.min_depth, 'max_depth': self.max_depth}

    def _inverse(self, depth: float) -> float:
        if self.activation == 'softplus':
            return math.log(math.expm1(depth))
        if self.activation == 'exp':
            return math.log(depth)
        if self.activation == 'sigmoid':
            return math.log(depth / (self.max_depth - depth))
        return depth

    def activate(self, raw: torch.Tensor) -> torch.Tensor:
        if self.activation == 'softplus':
            depth = F.softplus(raw)
        elif self.activation == 'exp':
            depth = torch.exp(raw.clamp(max=math.log(1e3 * self.max_depth)))
        elif self.activation == 'sigmoid':
            depth = torch.sigmoid(raw) * self.max_depth
        else:
            depth = F.relu(raw)
        return depth.clamp(min=self.min_depth)
