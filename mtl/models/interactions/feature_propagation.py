"""MTI-Net's feature propagation module (FPM; Vandenhende, Georgoulis & Van Gool, ECCV
2020, §3.2, Fig. 3): passes distilled task information from one scale to the next finer
one. At scale s, with the N tasks' features F^1..F^N (C channels each)::

    X     = [F^1, ..., F^N]                              (B, N·C, h, w)
    M     = softmax over the tasks of f(X)               per-task attention, f: N·C -> N·C
    S     = g(M ⊙ X)                                     shared representation, C channels
    G^t   = SE^t(S) + F^t                                 for every task t

f is two ResNet basic blocks (N·C -> N·C/4 -> N·C/4) and a 1×1 convolution back to N·C; g
(the dimensionality reduction) one basic block to C; SE^t a squeeze-and-excitation block
per task (reduction 16). G^t continues the task's branch: the next stage up-samples it
and concatenates the backbone's finer feature (``MultiScaleRefinementDecoder``). Place one
FPM at each boundary but the last (the finest scale has no next scale).

Readings (the arithmetic follows the authors' released code, where the paper's figure
leaves it open): the softmax runs over the N tasks for each channel and pixel
(``mask_layout='tasks'``); the released code views the N·C channels as (C, N), so each
softmax runs over N *neighbouring* channels of the concatenation, which mostly belong to
one task: ``mask_layout='interleaved'`` reproduces that.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from mtl.models.base import Interaction
from mtl.models.blocks import basic_block, squeeze_excitation
from mtl.registry import MODELS

LAYOUTS = ('tasks', 'interleaved')


@MODELS.register_module()
class FeaturePropagation(Interaction):
    """See the module docstring.

    Args:
        tasks: the tasks whose features are propagated (given by the model; at least two).
        channels: ``{task: C}`` at the boundary (given by the model; equal for all tasks).
        mask_layout: ``'tasks'`` or ``'interleaved'`` (see the module docstring).
        se_reduction: the squeeze-and-excitation reduction ratio.
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 mask_layout: str = 'tasks', se_reduction: int = 16):
        super().__init__()
        if mask_layout not in LAYOUTS:
            raise ValueError(f'mask_layout must be one of {LAYOUTS}, got "{mask_layout}"')
        if len(tasks) < 2:
            raise ValueError(f'the FPM shares information between tasks; it needs at least two, '
                             f'got {list(tasks)}')
        widths = {channels[t] for t in tasks}
        if len(widths) != 1:
            raise ValueError(f'the tasks must have equal widths at the FPM\'s boundary, got '
                             f'{ {t: channels[t] for t in tasks} }')
        self.tasks, self.mask_layout = list(tasks), mask_layout
        width = widths.pop()
        shared = len(self.tasks) * width
        if shared < 4:
            raise ValueError(f'f reduces the {shared} concatenated channels by 4; widen the tasks')
        self.attention = nn.Sequential(basic_block(shared, shared // 4),  # f
                                       basic_block(shared // 4, shared // 4),
                                       nn.Conv2d(shared // 4, shared, 1))
        self.reduction = basic_block(shared, width)  # g
        self.excitation = nn.ModuleDict({t: squeeze_excitation(width, se_reduction) for t in self.tasks})

    def task_mask(self, logits: torch.Tensor) -> torch.Tensor:
        """M: softmax of f(X) (B, N·C, h, w) over the tasks, in the layout of X."""
        b, _, h, w = logits.shape
        n = len(self.tasks)
        if self.mask_layout == 'tasks':
            return torch.softmax(logits.view(b, n, -1, h, w), dim=1).view_as(logits)
        return torch.softmax(logits.view(b, -1, n, h, w), dim=2).view_as(logits)

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        concat = torch.cat([features[t] for t in self.tasks], dim=1)  # X, (B, N·C, h, w)
        shared = self.reduction(self.task_mask(self.attention(concat)) * concat)  # S, (B, C, h, w)
        return {t: self.excitation[t](shared) + features[t] for t in self.tasks}
