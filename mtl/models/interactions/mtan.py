"""Task-specific attention modules of MTAN (Liu, Johns & Davison, CVPR 2019, "End-to-End
Multi-Task Learning with Attention", Sec. 3.1, Fig. 2).

A shared network computes, in each block j, an intermediate feature u^(j) (after the
block's first layer) and the block's output p^(j). Each task i owns a soft-attention path
beside it: the mask of block j is

    a_i^(j) = h_i^(j)(g_i^(j)([u^(j); f^(j-1)(â_i^(j-1))]))    (a_i^(1) from u^(1) alone)
    â_i^(j) = a_i^(j) ⊙ p^(j)

with g a 1×1 conv–BN–ReLU, h a 1×1 conv–BN–sigmoid (so a ∈ (0, 1)), and f^(j) a 3×3
conv–BN–ReLU that maps â^(j) to the next block's width, followed by the down-sampling
(2×2 max pooling in the paper) or up-sampling to the next block's resolution.

How it sits in our model: the shared network is the backbone, whose u^(j) and p^(j) this
interaction reads by name (``backbone:<sub-module>``, see docs/model.md), one list per
kind: ``inputs=dict(u=[u^(1), …, u^(L)], p=[p^(1), …, p^(L)])``. Placed at the
branches' input (``after_stage=0``), it replaces each task's feature by its attended
â_i^(L), which the task's decoder branch then decodes; â_i^(L) must therefore have the
channels of the branch input (read p^(L) from the level the branches start at).

Readings (the paper leaves them open or its code differs from the figure):
- f is shared by the tasks, as in the authors' code; g and h are per task.
- The last block has no f: â_i^(L) goes to the task's decoder (as in the ResNet MTAN of
  the MTL survey, Vandenhende et al., TPAMI 2021).
- Re-sampling to the next block's size: max pooling when it is smaller (the paper's 2×2
  pooling for a stride-2 block, windows rounded up as the backbone's strided convolution
  rounds; adaptive pooling for a ratio that is not an integer), bilinear when it is larger,
  none when equal (dilated stages).
- ``reduction`` divides g's output width: 1 is the authors' SegNet code; the survey's
  ResNet MTAN uses 4 (1×1 convolutions on 2048 channels are large).
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Interaction
from mtl.registry import MODELS

Widths = Union[int, Sequence[int]]


def conv_bn(in_channels: int, out_channels: int, kernel_size: int, activation: nn.Module) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                                   bias=False), nn.BatchNorm2d(out_channels), activation)


def resample(x: torch.Tensor, size) -> torch.Tensor:
    """``x`` at ``size``: unchanged when it has it; max pooling down to it, k×k windows with
    stride k (k = 2: the paper's pooling; rounding up as a stride-2 convolution does), or
    adaptive max pooling when no integer k gives ``size``; bilinear up to it."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    if x.shape[-2] < size[0] or x.shape[-1] < size[1]:
        return F.interpolate(x, size=size, mode='bilinear', align_corners=False)
    factor = tuple(max(1, round(int(have) / int(want))) for have, want in zip(x.shape[-2:], size))
    pooled = F.max_pool2d(x, factor, factor, ceil_mode=True)  # static windows: exportable
    return pooled if tuple(pooled.shape[-2:]) == tuple(size) else F.adaptive_max_pool2d(x, size)


def as_list(value):
    """A kwarg that reads one name gives one value; a list of names, a list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def block_channels(input_channels: Mapping[str, Widths]) -> List[Tuple[int, int]]:
    """``[(C_u, C_p) for j = 1…L]`` from ``{'u': [C_u^(1), …], 'p': [C_p^(1), …]}``, checked."""
    missing = [kwarg for kwarg in ('u', 'p') if kwarg not in input_channels]
    if missing:
        raise ValueError(f'MTANAttention reads inputs=dict(u=[...], p=[...]) (each block\'s '
                         f'intermediate feature and output, in order); inputs.{missing[0]} is missing')
    u, p = as_list(input_channels['u']), as_list(input_channels['p'])
    if len(u) != len(p):
        raise ValueError(f'inputs.u names {len(u)} blocks and inputs.p {len(p)}: give one u and one p '
                         f'per block')
    return list(zip(u, p))


@MODELS.register_module()
class MTANAttention(Interaction):
    """Args:
        tasks, channels: wiring from the model (the tasks, ``{task: C}`` at the boundary).
        input_channels: wiring from the model: the channels of the ``u`` and ``p`` it reads.
        reduction: g's output width is C_p^(j) // reduction.
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 input_channels: Mapping[str, Widths], reduction: int = 1):
        super().__init__()
        if not (isinstance(reduction, int) and reduction >= 1):
            raise ValueError(f'reduction must be a positive integer (g\'s width is C_p // reduction), '
                             f'got {reduction!r}')
        self.tasks = list(tasks)
        blocks = block_channels(input_channels)
        last_p = blocks[-1][1]
        wrong = {t: c for t, c in channels.items() if c != last_p}
        if wrong:
            raise ValueError(f'MTANAttention gives each task the attended last p ({last_p} channels), '
                             f'but the branches of {wrong} start with other widths: read the last p '
                             f'from the level the branches start at')
        self.attention = nn.ModuleDict({t: nn.ModuleList() for t in self.tasks})  # g, h per task
        for j, (u, p) in enumerate(blocks):
            width = u if j == 0 else 2 * u  # [u^(j); f(â^(j-1))], f giving u^(j)'s width
            hidden = max(p // reduction, 1)
            for t in self.tasks:
                self.attention[t].append(nn.Sequential(conv_bn(width, hidden, 1, nn.ReLU()),
                                                       conv_bn(hidden, p, 1, nn.Sigmoid())))
        # f^(j): â^(j) -> the width of u^(j+1), shared by the tasks
        self.refine = nn.ModuleList(conv_bn(p, u_next, 3, nn.ReLU())
                                    for (_, p), (u_next, _) in zip(blocks, blocks[1:]))

    def masks(self, task: str, j: int, u: torch.Tensor, previous: Optional[torch.Tensor]) -> torch.Tensor:
        """a_task^(j) (B, C_p, H, W) from u^(j) and the task's re-sampled f(â^(j-1))."""
        inputs = u if previous is None else torch.cat([u, previous], dim=1)
        return self.attention[task][j](inputs)

    def forward(self, features: Mapping[str, torch.Tensor], u, p) -> Dict[str, torch.Tensor]:
        """``u``, ``p``: the blocks' shared features (lists, or one tensor for one block)."""
        u, p = as_list(u), as_list(p)
        for j, (u_j, p_j) in enumerate(zip(u, p), 1):
            if u_j.shape[-2:] != p_j.shape[-2:]:
                raise ValueError(f'MTANAttention block {j}: u is {tuple(u_j.shape[-2:])} and p '
                                 f'{tuple(p_j.shape[-2:])}; they must share a resolution')
        out = {}
        for task in self.tasks:  # the incoming features are replaced by the attention path
            previous = None
            for j, (u_j, p_j) in enumerate(zip(u, p)):
                attended = self.masks(task, j, u_j, previous) * p_j  # â^(j) = a^(j) ⊙ p^(j)
                if j + 1 < len(u):
                    previous = resample(self.refine[j](attended), u[j + 1].shape[-2:])
            out[task] = attended
        return out
