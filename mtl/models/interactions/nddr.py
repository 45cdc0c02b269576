"""NDDR layer (Gao, Ma, Zhao, Liu & Yuille, CVPR 2019, "NDDR-CNN: Layerwise Feature Fusing in
Multi-Task CNNs by Neural Discriminative Dimensionality Reduction", Sec. 3).

At a stage boundary each of the T tasks owns a network with C-channel features x_1 … x_T.
For task i the layer concatenates all of them along channels and reduces the T·C channels
back to C with a learned 1×1 convolution W_i ∈ R^{C×TC}, followed by batch normalisation and
ReLU:

    x̃_i = ReLU(BN_i(W_i [x_1; x_2; …; x_T]))

W_i starts as the paper's identity-like "diagonal" initialisation: the block that reads
task i's own channels is α_same·I and every other task's block is α_cross·I (the paper's
(0.9, 0.1)), so that at the start W_i [x_1; …; x_T] = α_same·x_i + α_cross·Σ_{j≠i} x_j,
channel by channel. The paper writes the two-task case; with more tasks we give each other
task the full α_cross, as the MTL survey's implementation does (Vandenhende et al., TPAMI
2021); the cross-stitch unit instead splits α_cross among them. BatchNorm starts as the
identity (γ = 1, β = 0) with momentum 0.05 (the survey's implementation, after the official
code). The paper trains the NDDR layers with a larger learning rate (100× the base rate):
``lr_mult`` is read by our optimizer constructor.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from mtl.models.base import Interaction
from mtl.models.interactions._fusion import fused_tasks
from mtl.registry import MODELS


@MODELS.register_module()
class NDDRUnit(Interaction):
    """Args:
        tasks, channels: wiring from the model (the tasks it connects, ``{task: C}``).
        alpha_same: initial weight of a task's own channels.
        alpha_cross: initial weight of each other task's channels.
        bn_momentum: momentum of the BatchNorm after each 1×1 convolution.
        lr_mult: learning-rate multiplier of the layer's parameters.
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int], alpha_same: float = 0.9,
                 alpha_cross: float = 0.1, bn_momentum: float = 0.05, lr_mult: float = 100.0):
        super().__init__()
        tasks, c = fused_tasks('An NDDR layer', tasks, channels)
        self.tasks, self.lr_mult = tasks, lr_mult
        n = len(tasks)
        self.fuse = nn.ModuleDict()
        for i, task in enumerate(tasks):
            conv = nn.Conv2d(n * c, c, 1, bias=False)
            blocks = torch.full((n,), alpha_cross)
            blocks[i] = alpha_same
            eye = torch.eye(c)
            with torch.no_grad():  # (C, T·C, 1, 1): block j is blocks[j]·I
                conv.weight.copy_(torch.cat([b * eye for b in blocks], dim=1)[..., None, None])
            self.fuse[task] = nn.Sequential(conv, nn.BatchNorm2d(c, momentum=bn_momentum),
                                            nn.ReLU(inplace=True))

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        stacked = torch.cat([features[t] for t in self.tasks], dim=1)  # (B, T·C, H, W)
        return {t: self.fuse[t](stacked) for t in self.tasks}
