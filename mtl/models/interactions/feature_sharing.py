"""Feature sharing module, FSM (CI-Net, Gao et al., Applied Intelligence 2022, Sec. 3.3,
Eq. 5, Fig. 4b).

Between two decoder stages of the depth and semantic branches::

    f_d' = f_d + C¹ˣ¹_d( C(concat(f_d, f_s)) )
    f_s' = f_s + C¹ˣ¹_s( C(concat(f_d, f_s)) )

C(·) is an encoder–decoder of depthwise-separable convolutions shared by both tasks; a 1×1
convolution per task allocates its output back to each branch, added residually. For T ≥ 2
tasks the same holds with the concatenation of all T features and one 1×1 convolution
per task. The lateral sharing unit (CI-Net Eq. 6, ``LateralSharingUnit(mode='conv')``) is the
drop-in comparison: same place, same ``{task: feature}`` interface.

Readings (the paper draws C(·) without giving its layers):

- A depthwise-separable convolution is a 3×3 depthwise conv – BN – ReLU – 1×1 conv – BN –
  ReLU (MobileNet). C(·) is one such convolution from the concatenation to
  ``hidden_channels``, ``levels`` stride-2 ones down, then ``levels`` times a bilinear
  up-sampling back to the size of the level above followed by one; no skip connections.
- The 1×1 allocation convolutions start at zero (``zero_init=True``), so a new module is the
  identity and a model with FSMs starts as the model without them, as the LSU does.
"""
from typing import Dict, List, Mapping, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Interaction
from mtl.registry import MODELS


def separable_conv(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """3×3 depthwise – BN – ReLU – 1×1 pointwise – BN – ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, 3, stride=stride, padding=1, groups=in_channels,
                  bias=False),
        nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class SeparableEncoderDecoder(nn.Module):
    """C(·) of Eq. 5: ``levels`` separable down-samplings and as many up-samplings."""

    def __init__(self, in_channels: int, hidden_channels: int, levels: int):
        super().__init__()
        self.stem = separable_conv(in_channels, hidden_channels)
        self.down = nn.ModuleList(separable_conv(hidden_channels, hidden_channels, stride=2)
                                  for _ in range(levels))
        self.up = nn.ModuleList(separable_conv(hidden_channels, hidden_channels)
                                for _ in range(levels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        sizes: List[torch.Size] = []
        for down in self.down:
            sizes.append(x.shape[-2:])
            x = down(x)
        for up, size in zip(self.up, reversed(sizes)):
            x = up(F.interpolate(x, size=size, mode='bilinear', align_corners=False))
        return x


@MODELS.register_module()
class FeatureSharingModule(Interaction):
    """See the module docstring.

    Args:
        tasks: the task names it connects (two in the paper).
        channels: ``{task: C}`` at its stage boundary (given by the model).
        hidden_channels: width of C(·) (default: the widest task's channels).
        levels: down-/up-sampling steps of C(·).
        zero_init: start the 1×1 allocation convolutions at zero (identity module).
        lr_mult: optional learning-rate multiplier for the module's weights.
    """

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int],
                 hidden_channels: Optional[int] = None, levels: int = 2, zero_init: bool = True,
                 lr_mult: Optional[float] = None):
        super().__init__()
        tasks = list(tasks)
        if len(tasks) < 2 or len(set(tasks)) != len(tasks):
            raise ValueError(f'A feature sharing module connects at least two distinct tasks, '
                             f'got {tasks}')
        if levels < 0:
            raise ValueError(f'levels must be >= 0, got {levels}')
        widths = [channels[t] for t in tasks]
        hidden_channels = hidden_channels or max(widths)
        self.tasks, self.lr_mult = tasks, lr_mult
        self.shared = SeparableEncoderDecoder(sum(widths), hidden_channels, levels)
        self.allocate = nn.ModuleDict({t: nn.Conv2d(hidden_channels, w, 1)
                                       for t, w in zip(tasks, widths)})
        if zero_init:
            for conv in self.allocate.values():
                nn.init.zeros_(conv.weight)
                nn.init.zeros_(conv.bias)

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        shared = self.shared(torch.cat([features[t] for t in self.tasks], dim=1))
        return {t: features[t] + self.allocate[t](shared) for t in self.tasks}
