"""PAD-Net multi-modal distillation module C (Xu et al., CVPR 2018, §3.4, Eqs. 2–3),
attention-guided message passing::

    G^k     = σ(W_g^k ⊗ F^k)                          (2)
    F^{o,k} = F^k + Σ_{t≠k} G^k ⊙ (W_t ⊗ F^t)         (3)

Readings: the gate is made from the *receiving* task's features F^k, as Eq. 2 writes
(some re-implementations gate each message by its source instead); ``W_g^k`` is a 3×3
convolution to C channels (one gate value per channel and pixel); ``W_t`` is, as Eq. 3
writes, one 3×3 convolution per source, shared by the receiving tasks; all with bias.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from mtl.models.interactions._prediction_distillation import PredictionDistillation, common_width
from mtl.registry import MODELS


@MODELS.register_module()
class PADDistillationC(PredictionDistillation):
    """See the module docstring; arguments as :class:`PredictionDistillation`."""

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 input_channels: Mapping[str, int]):
        width = common_width(channels, tasks)
        super().__init__(tasks, input_channels, width, needs_own_input=True)
        senders = [t for t in self.sources if any(t != k for k in self.tasks)]
        self.messages = nn.ModuleDict({t: nn.Conv2d(width, width, 3, padding=1) for t in senders})
        self.gates = nn.ModuleDict({k: nn.Conv2d(width, width, 3, padding=1) for k in self.tasks})

    def forward(self, features: Dict[str, torch.Tensor], **predictions: torch.Tensor
                ) -> Dict[str, torch.Tensor]:
        encoded = self.encode(features, predictions)
        messages = {t: conv(encoded[t]) for t, conv in self.messages.items()}
        out = {}
        for k in self.tasks:
            gate = torch.sigmoid(self.gates[k](encoded[k]))  # G^k, (B, C, h, w)
            out[k] = encoded[k]
            for t in self.sources:
                if t != k:
                    out[k] = out[k] + gate * messages[t]
        return out
