"""MTI-Net's multi-scale multi-modal distillation and feature aggregation (Vandenhende,
Georgoulis & Van Gool, ECCV 2020, §3.1 and §3.3). At every scale s, each final task k
receives the other tasks' features through PAD-Net's attention mechanism::

    F^o_{s,k} = F_{s,k} + Σ_{l≠k} σ(W_{s,k,l} ⊗ F_{s,l}) ⊙ (W'_{s,k,l} ⊗ F_{s,l})

(the shared :class:`MessagePassing`, gate from the source, one 3×3 convolution pair per
scale and ordered pair, without bias as in the authors' code); then the distilled
features of all scales are up-sampled bilinearly to the finest scale and concatenated,
the feature aggregation whose result the task's final head decodes::

    A_k = φ_k([F^o_{1,k}, up(F^o_{2,k}), ..., up(F^o_{S,k})])   (B, Σ_s C_s, H_1, W_1)

with φ_k the first layer of HRNet's head, which the paper decodes the aggregation with: a
1×1 conv–BN–ReLU over the concatenated scales (``fuse=False``: φ = identity).

The features arrive as keyword arguments, one list per task, one tensor per scale
(``inputs=dict(seg=['feature:seg@1', 'feature:seg@2', ...], normals=[...])``): each
task's branch features at the boundaries of the scales, before the FPM changes them.
Every receiving task must be among them; auxiliary tasks may be sources only. Place the
module at the branches' last boundary: it returns Σ_s C_s channels per receiving task
(``output_channels``), for which the model builds the final heads.

Reading: HRNet's head is 1×1 conv–BN–ReLU, then a 1×1 convolution to the task's outputs;
φ_k is its first part, and the task's own head (a 3×3 convolution, activated as the task
needs) its second. Without φ the final heads read unnormalised sums of Σ_s C_s channels; on
SynthRooms at lr 1e-2 the depth head's output then fell below its minimum within the first
iterations and never recovered.
"""
from typing import Dict, List, Mapping, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Interaction
from mtl.models.interactions._message_passing import message_passing
from mtl.registry import MODELS


@MODELS.register_module()
class MultiScaleDistillation(Interaction):
    """See the module docstring.

    Args:
        tasks: the receiving (final) tasks (given by the model).
        input_channels: ``{task: [C_1, ..., C_S]}`` of the features read, one list per
            source task (given by the model from ``inputs``).
        fuse: end the aggregation with φ_k, a 1×1 conv–BN–ReLU (see the module docstring).
    """

    def __init__(self, tasks: Sequence[str], input_channels: Mapping[str, Sequence[int]],
                 fuse: bool = True):
        super().__init__()
        self.tasks, self.sources = list(tasks), list(input_channels)
        lists = {t: c for t, c in input_channels.items() if not isinstance(c, (list, tuple))}
        if lists:
            raise ValueError(f'inputs {sorted(lists)} name one tensor each; give each task the list '
                             f"of its features at every scale, e.g. ['feature:seg@1', 'feature:seg@2']")
        scales = {len(c) for c in input_channels.values()}
        if len(scales) != 1:
            raise ValueError(f'every task needs its features at the same scales, got '
                             f'{ {t: len(c) for t, c in input_channels.items()} } tensors')
        if len(self.sources) < 2:
            raise ValueError(f'distillation needs the features of at least two tasks, got {self.sources}')
        self.scales = nn.ModuleList(
            message_passing(self.tasks, {t: c[s] for t, c in input_channels.items()}, gate='source',
                            per_pair=True, bias=False)
            for s in range(scales.pop()))
        self.widths = {k: sum(input_channels[k]) for k in self.tasks}
        self.fuse = nn.ModuleDict({k: nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c),
                                                    nn.ReLU(inplace=True))
                                   for k, c in self.widths.items()} if fuse else {})

    def output_channels(self) -> Dict[str, int]:
        return dict(self.widths)

    def forward(self, features: Dict[str, torch.Tensor], **scales: List[torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        if set(scales) != set(self.sources):
            raise KeyError(f'MultiScaleDistillation expects the features of {self.sources} as '
                           f'keyword inputs, got {sorted(scales)}')
        # ``features`` (the receivers' features at this, the last, boundary) are the last
        # entries of their lists already
        distilled = [unit({t: scales[t][s] for t in self.sources}) for s, unit in enumerate(self.scales)]
        size = max((d[self.tasks[0]].shape[-2:] for d in distilled), key=lambda hw: hw[0] * hw[1])
        out = {}
        for k in self.tasks:
            aggregated = torch.cat([F.interpolate(d[k], size=size, mode='bilinear', align_corners=False)
                                    if d[k].shape[-2:] != size else d[k] for d in distilled], dim=1)
            out[k] = self.fuse[k](aggregated) if self.fuse else aggregated
        return out
