"""PAD-Net multi-modal distillation module B (Xu et al., CVPR 2018, §3.4, Eq. 1),
message passing between the re-encoded predictions, one map per final task k::

    F^{o,k} = F^k + Σ_{t≠k} W_{t,k} ⊗ F^t

Readings: ``W_{t,k}`` is a 3×3 convolution with bias, one per ordered pair; every ``F^t``
has the width C the final decoders take at this boundary.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from mtl.models.interactions._prediction_distillation import PredictionDistillation, common_width
from mtl.registry import MODELS


@MODELS.register_module()
class PADDistillationB(PredictionDistillation):
    """See the module docstring; arguments as :class:`PredictionDistillation`."""

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 input_channels: Mapping[str, int]):
        width = common_width(channels, tasks)
        super().__init__(tasks, input_channels, width, needs_own_input=True)
        self.messages = nn.ModuleDict({f'{t}_to_{k}': nn.Conv2d(width, width, 3, padding=1)
                                       for k in self.tasks for t in self.sources if t != k})

    def forward(self, features: Dict[str, torch.Tensor], **predictions: torch.Tensor
                ) -> Dict[str, torch.Tensor]:
        encoded = self.encode(features, predictions)
        out = {}
        for k in self.tasks:
            out[k] = encoded[k]
            for t in self.sources:
                if t != k:
                    out[k] = out[k] + self.messages[f'{t}_to_{k}'](encoded[t])
        return out
