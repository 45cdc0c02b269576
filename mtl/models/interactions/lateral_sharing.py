"""Lateral sharing unit (Jiao, Cao, Song & Lau, ECCV 2018, "Look Deeper into Depth",
Eq. 3 and Fig. 3 left; supplement Table 3).

Between two consecutive up-conv layers of the depth (D) and semantic (S) decoders::

    LSU_D2 = D1 + (φ_D·D1 + φ_S·S1)
    LSU_S2 = S1 + (γ_D·D1 + γ_S·S1)

The identity mappings (the leading ``D1`` and ``S1``) are explicit and not learned: the
unit learns only the residual sharing, so intra-task propagation is never interrupted.
For T tasks the unit computes ``out_i = x_i + Σ_j W_ij(x_j)``; with tasks
``('depth', 'seg')``, ``W_00 = φ_D``, ``W_01 = φ_S``, ``W_10 = γ_D``, ``W_11 = γ_S``.

``mode`` chooses what a weight ``W_ij`` is:

- ``'scalar'`` (the paper): one learnable scalar, four per unit for two tasks;
- ``'channel'``: one learnable value per channel;
- ``'conv'``: a 1×1 convolution without bias, CI-Net's reading of the LSU (CI-Net,
  Eq. 6: ``f_d' = f_d + C(f_d) + C(f_s)``); the tasks may then have different widths.

``init_self`` / ``init_cross`` set the initial ``W_ii`` / ``W_ij`` (a 1×1 convolution
starts as that value times the identity when its widths match, zero otherwise). The
default 0 / 0 makes a new unit exactly the identity, so a model with LSUs starts as
the model without them. Every unit owns its weights (the paper does not tie them).

Partial supervision (supplement §8): the unit is ``TaskGated``; ``set_task_presence``
takes, per task, a boolean per sample (``PartialSupervisionHook`` sets it before each
training step).
A cross term ``W_ij(x_j)`` then uses ``x_j`` detached for the samples that lack task
``j``'s target (``TaskGated.detach_absent``), so those samples send no gradient into task
``j``'s branch.
"""
from typing import Dict, Mapping, Optional, Sequence

import torch
from torch import nn

from mtl.models.base import Interaction, TaskGated
from mtl.registry import MODELS

MODES = ('scalar', 'channel', 'conv')


@MODELS.register_module()
class LateralSharingUnit(Interaction, TaskGated):
    """See the module docstring.

    Args:
        tasks: the task names it connects (two in the paper; any number ≥ 2 works).
        channels: ``{task: C}`` at the unit's stage boundary (given by the model).
        mode: ``'scalar'``, ``'channel'`` or ``'conv'``.
        init_self: initial value of the weights a task applies to its own feature.
        init_cross: initial value of the weights applied to the other tasks' features.
        lr_mult: optional learning-rate multiplier for the unit's weights.
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int], mode: str = 'scalar',
                 init_self: float = 0.0, init_cross: float = 0.0,
                 lr_mult: Optional[float] = None):
        super().__init__()
        tasks = list(tasks)
        if len(tasks) < 2 or len(set(tasks)) != len(tasks):
            raise ValueError(f'A lateral sharing unit connects at least two distinct tasks, '
                             f'got {tasks}')
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got "{mode}"')
        widths = [channels[t] for t in tasks]
        if mode != 'conv' and len(set(widths)) != 1:
            raise ValueError(f'mode="{mode}" mixes features of equal width only, got '
                             f'{dict(zip(tasks, widths))}; use mode="conv" for different widths')
        self.tasks, self.mode, self.lr_mult = tasks, mode, lr_mult
        n = len(tasks)
        init = torch.full((n, n), float(init_cross))
        init.fill_diagonal_(float(init_self))
        if mode == 'conv':
            self.convs = nn.ModuleList(
                self._conv(widths[j], widths[i], float(init[i, j]))
                for i in range(n) for j in range(n))
        else:
            shape = (n, n, widths[0]) if mode == 'channel' else (n, n, 1)
            self.weight = nn.Parameter(init[..., None].expand(shape).clone())

    @staticmethod
    def _conv(in_channels: int, out_channels: int, value: float) -> nn.Conv2d:
        conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        with torch.no_grad():
            conv.weight.zero_()
            if in_channels == out_channels and value:
                conv.weight[:, :, 0, 0] = value * torch.eye(out_channels)
        return conv

    def _share(self, i: int, j: int, x: torch.Tensor) -> torch.Tensor:
        """``W_ij(x)``."""
        if self.mode == 'conv':
            return self.convs[i * len(self.tasks) + j](x)
        return self.weight[i, j].view(1, -1, 1, 1) * x

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        x = [features[t] for t in self.tasks]
        cross = [self.detach_absent(t, f) for t, f in zip(self.tasks, x)]
        out = {}
        for i, task in enumerate(self.tasks):
            shared = sum(self._share(i, j, x[j] if j == i else cross[j]) for j in range(len(x)))
            out[task] = x[i] + shared
        return out
