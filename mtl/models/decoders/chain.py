"""A branch made of several branches run one after the other (e.g. a per-task encoder
followed by a decoder, for cross-stitch networks in the original form of Misra et al.,
CVPR 2016)."""
from typing import Sequence

import torch
from torch import nn

from mtl.models.base import Branch
from mtl.models.builder import build_component
from mtl.registry import MODELS


@MODELS.register_module()
class ChainBranch(Branch):
    """Concatenates the stages of ``parts``; each part gets the previous part's output
    channels as ``in_channels`` and the model's ``feature_channels`` (so a decoder's skip
    connections still see the shared backbone's features, if there is one)."""

    def __init__(self, in_channels: int, parts: Sequence[dict], feature_channels: Sequence[int] = ()):
        super().__init__()
        self.in_channels = in_channels
        self.parts = nn.ModuleList()
        self.index = []  # (part, stage within part) for each stage of the chain
        channels = in_channels
        for i, cfg in enumerate(parts):
            part = build_component(cfg, f'parts[{i}]', in_channels=channels,
                                   feature_channels=tuple(feature_channels))
            self.index += [(len(self.parts), i) for i in range(len(part.stages))]
            self.parts.append(part)
            channels = part.out_channels
        self.stage_channels = [c for p in self.parts for c in p.stage_channels]

    @property
    def stages(self):
        return [stage for part in self.parts for stage in part.stages]

    def forward_stage(self, index: int, x: torch.Tensor, context: dict) -> torch.Tensor:
        part, stage = self.index[index]
        return self.parts[part].forward_stage(stage, x, context)
