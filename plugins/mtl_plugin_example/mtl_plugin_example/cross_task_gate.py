"""Cross-task channel gating: each task's feature receives the other tasks' features,
weighted per channel by a gate computed from its own globally pooled feature
(a squeeze-and-excitation style gate, Hu et al., CVPR 2018, applied across tasks)."""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from mtl.models.base import Interaction
from mtl.registry import MODELS


@MODELS.register_module()
class CrossTaskGate(Interaction):
    """x_t <- x_t + g_t ⊙ mean_{u≠t} x_u, with g_t = sigmoid(MLP(avgpool(x_t))).

    The gates start near zero (bias −4), so the unit begins close to the identity.
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int], reduction: int = 4):
        super().__init__()
        widths = {t: channels[t] for t in tasks}
        if len(set(widths.values())) != 1:
            raise ValueError(f'CrossTaskGate needs equal channels for all tasks, got {widths}')
        self.tasks = list(tasks)
        c = next(iter(widths.values()))
        self.gates = nn.ModuleDict({t: self._gate(c, max(c // reduction, 1)) for t in self.tasks})

    @staticmethod
    def _gate(channels: int, hidden: int) -> nn.Sequential:
        gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, hidden, 1),
                             nn.ReLU(inplace=True), nn.Conv2d(hidden, channels, 1), nn.Sigmoid())
        nn.init.constant_(gate[3].bias, -4.0)
        return gate

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        total = sum(features[t] for t in self.tasks)
        others = len(self.tasks) - 1
        return {t: features[t] + self.gates[t](features[t]) * (total - features[t]) / others
                for t in self.tasks}
