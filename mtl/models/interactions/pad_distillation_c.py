"""PAD-Net multi-modal distillation module C (Xu et al., CVPR 2018, §3.4, Eqs. 2–3),
attention-guided message passing::

    G^k     = σ(W_g^k ⊗ F^k)                          (2)
    F^{o,k} = F^k + Σ_{t≠k} G^k ⊙ (W_t ⊗ F^t)         (3)

Readings: the gate is made from the *receiving* task's features F^k, as Eq. 2 writes
(some re-implementations gate each message by its source instead, as MTI-Net does);
``W_g^k`` is a 3×3 convolution to C channels (one gate value per channel and pixel);
``W_t`` is, as Eq. 3 writes, one 3×3 convolution per source, shared by the receiving
tasks; all with bias. The arithmetic is the shared :class:`MessagePassing` with the
receiver's gate.
"""
from typing import Dict, Mapping, Sequence

import torch

from mtl.models.interactions._message_passing import MessagePassing
from mtl.models.interactions._prediction_distillation import PredictionDistillation, common_width
from mtl.registry import MODELS


@MODELS.register_module()
class PADDistillationC(MessagePassing, PredictionDistillation):
    """See the module docstring; arguments as :class:`PredictionDistillation`."""

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 input_channels: Mapping[str, int]):
        width = common_width(channels, tasks)
        super().__init__(tasks, input_channels, width, needs_own_input=True)
        self.build_messages(self.tasks, {s: width for s in self.sources}, gate='receiver',
                            per_pair=False)

    def forward(self, features: Dict[str, torch.Tensor], **predictions: torch.Tensor
                ) -> Dict[str, torch.Tensor]:
        return self.pass_messages(self.encode(features, predictions))
