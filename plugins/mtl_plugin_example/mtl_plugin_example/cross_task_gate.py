"""Cross-task channel gating: each task's feature receives the other tasks' features,
weighted per channel by a gate computed from its own globally pooled feature
(a squeeze-and-excitation style gate, Hu et al., CVPR 2018, applied across tasks).

It uses two of mtl's contracts (``mtl.models.base``): it is an ``Interaction`` and it is
``TaskGated``, so under ``PartialSupervisionHook`` a sample without task u's target sends
no gradient into u's branch through the gate.
"""
from typing import Dict, Mapping, Optional, Sequence

import torch
from torch import nn

from mtl.models.base import Interaction, TaskGated
from mtl.registry import MODELS


@MODELS.register_module()
class CrossTaskGate(Interaction, TaskGated):
    """x_t <- x_t + g_t ⊙ mean_{u≠t} x_u, with g_t = sigmoid(MLP(avgpool(x_t))).

    The gates start near zero (bias −4), so the unit begins close to the identity.
    ``lr_mult`` scales the gates' learning rate (mtl's optimizer constructor reads it).
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int], reduction: int = 4,
                 lr_mult: Optional[float] = None):
        super().__init__()
        widths = {t: channels[t] for t in tasks}
        if len(set(widths.values())) != 1:
            raise ValueError(f'CrossTaskGate needs equal channels for all tasks, got {widths}')
        self.tasks, self.lr_mult = list(tasks), lr_mult
        c = next(iter(widths.values()))
        self.gates = nn.ModuleDict({t: self._gate(c, max(c // reduction, 1)) for t in self.tasks})

    @staticmethod
    def _gate(channels: int, hidden: int) -> nn.Sequential:
        gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, hidden, 1),
                             nn.ReLU(inplace=True), nn.Conv2d(hidden, channels, 1), nn.Sigmoid())
        nn.init.constant_(gate[3].bias, -4.0)
        return gate

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        shared = {t: self.detach_absent(t, features[t]) for t in self.tasks}
        total = sum(shared.values())
        others = len(self.tasks) - 1
        return {t: features[t] + self.gates[t](features[t]) * (total - shared[t]) / others
                for t in self.tasks}
