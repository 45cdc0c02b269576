"""PAD-Net multi-modal distillation module B (Xu et al., CVPR 2018, §3.4, Eq. 1),
message passing between the re-encoded predictions, one map per final task k::

    F^{o,k} = F^k + Σ_{t≠k} W_{t,k} ⊗ F^t

Readings: ``W_{t,k}`` is a 3×3 convolution with bias, one per ordered pair; every ``F^t``
has the width C the final decoders take at this boundary. The arithmetic is the shared
:class:`MessagePassing` with no gate.
"""
from typing import Dict, Mapping, Sequence

import torch

from mtl.models.interactions._message_passing import MessagePassing
from mtl.models.interactions._prediction_distillation import PredictionDistillation, common_width
from mtl.registry import MODELS


@MODELS.register_module()
class PADDistillationB(MessagePassing, PredictionDistillation):
    """See the module docstring; arguments as :class:`PredictionDistillation`."""

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 input_channels: Mapping[str, int]):
        width = common_width(channels, tasks)
        super().__init__(tasks, input_channels, width, needs_own_input=True)
        self.build_messages(self.tasks, {s: width for s in self.sources}, gate='none', per_pair=True)

    def forward(self, features: Dict[str, torch.Tensor], **predictions: torch.Tensor
                ) -> Dict[str, torch.Tensor]:
        return self.pass_messages(self.encode(features, predictions))
