"""PAD-Net multi-modal distillation module A (Xu et al., CVPR 2018, §3.4, Fig. 3a):
``F^o = CONCAT(F^1, ..., F^T)``, one fused map fed to every final task's decoder.

Reading: each re-encoded prediction ``F^t`` has ``C / T`` channels, C being the width
the final decoders take at this boundary, so that the concatenation fits the same
decoders as modules B and C (the ablation of Table 1 then changes only the module).
"""
from typing import Dict, Mapping, Sequence

import torch

from mtl.models.interactions._prediction_distillation import PredictionDistillation, common_width
from mtl.registry import MODELS


@MODELS.register_module()
class PADDistillationA(PredictionDistillation):
    """See the module docstring; arguments as :class:`PredictionDistillation`."""

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 input_channels: Mapping[str, int]):
        width, count = common_width(channels, tasks), len(input_channels)
        if count and width % count:
            raise ValueError(f'module A concatenates {count} encodings into the decoders\' '
                             f'{width} channels; {width} is not divisible by {count}')
        super().__init__(tasks, input_channels, width // max(count, 1), needs_own_input=False)

    def forward(self, features: Dict[str, torch.Tensor], **predictions: torch.Tensor
                ) -> Dict[str, torch.Tensor]:
        encoded = self.encode(features, predictions)
        fused = torch.cat([encoded[s] for s in self.sources], dim=1)  # (B, C, h, w)
        return {k: fused for k in self.tasks}
