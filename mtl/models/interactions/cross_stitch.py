"""Cross-stitch unit (Misra, Shrivastava, Gupta & Hebert, CVPR 2016, Eq. 1).

For T tasks at one stage boundary, x̃_i = Σ_j α_ij x_j: a learned linear combination of
the tasks' activations, one α matrix per unit (``per_channel=False``, the paper's form)
or one per channel (``per_channel=True``, the paper's per-channel variant). α starts as
a convex combination: α_same on the diagonal and α_cross shared equally by the other
tasks (0.9 / 0.1 in the paper). The paper trains α with a larger learning rate (10²–10³×
the base rate): ``lr_mult`` is read by our optimizer constructor.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from mtl.models.base import Interaction
from mtl.models.interactions._fusion import fused_tasks
from mtl.registry import MODELS


@MODELS.register_module()
class CrossStitchUnit(Interaction):

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int], per_channel: bool = True,
                 alpha_same: float = 0.9, alpha_cross: float = 0.1, lr_mult: float = 100.0):
        super().__init__()
        tasks, c = fused_tasks('A cross-stitch unit', tasks, channels)
        self.tasks, self.lr_mult = tasks, lr_mult
        n = len(tasks)
        alpha = torch.full((n, n), alpha_cross / (n - 1))
        alpha.fill_diagonal_(alpha_same)
        shape = (n, n, c) if per_channel else (n, n, 1)
        self.alpha = nn.Parameter(alpha[..., None].expand(shape).clone())

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        stacked = torch.stack([features[t] for t in self.tasks])  # (T, B, C, H, W)
        mixed = torch.einsum('ijc,jbchw->ibchw', self.alpha, stacked)
        return dict(zip(self.tasks, mixed.unbind(0)))
