"""A decoder followed by semi-dense up-skip connections (Jiao et al., ECCV 2018, Fig. 2
and supplement Table 3): ``conv2`` and four up-projections, then the SUC.

The branch has the inner decoder's stages plus one last stage, the SUC, which fuses the
outputs of the inner stages ``first_stage..n`` (for ``UpConvDecoder``: ``conv2`` =
``f_in`` and the up-conv outputs ``f_1..f_4`` of Eq. 4). Interaction plugins keep the
inner decoder's boundaries (boundary 2 is after the first up-conv layer); the SUC output
is the last boundary.

Where the SUC reads its inputs (``skip_source``):

- ``'stage'`` (default, Table 3): the inner stages' own outputs, before any interaction
  at their boundary, e.g. ``upconv_dep1`` rather than the LSU's
  ``(1 + φ_D1)·upconv_dep1 + φ_S1·upconv_sem1``. The branch keeps them from stage 0 to
  the SUC stage of each forward pass (and releases them there).
- ``'boundary'``: the features at the boundaries after the interactions, from the
  model's ``context['history']``.
"""
from typing import List, Optional

import torch
from torch import nn

from mtl.models.base import Branch
from mtl.models.builder import build_component
from mtl.registry import MODELS

SOURCES = ('stage', 'boundary')


@MODELS.register_module()
class SemiDenseUpSkipDecoder(Branch):
    """``decoder`` (any branch config) with a ``SemiDenseUpSkip`` as its last stage.

    Args:
        in_channels: channels of the branch input (given by the model).
        decoder: the inner branch, by default FCRN's / Jiao et al.'s up-conv decoder.
        suc: the fusion module config; its ``in_channels`` are filled in.
        first_stage: the first inner stage whose output the SUC fuses.
        skip_source: ``'stage'`` or ``'boundary'`` (see the module docstring).
    """

    def __init__(self, in_channels: int,
                 decoder: Optional[dict] = None, suc: Optional[dict] = None,
                 first_stage: int = 0, skip_source: str = 'stage'):
        super().__init__()
        if skip_source not in SOURCES:
            raise ValueError(f'skip_source must be one of {SOURCES}, got "{skip_source}"')
        self.in_channels = in_channels
        self.decoder = build_component(decoder or dict(type='UpConvDecoder'), 'decoder',
                                       in_channels=in_channels)
        num_inner = len(self.decoder.stages)
        if not 0 <= first_stage < num_inner - 1:
            raise ValueError(f'first_stage={first_stage} leaves fewer than two of the '
                             f'{num_inner} decoder stages for the SUC')
        fused = list(self.decoder.stage_channels[first_stage:])
        self.suc = build_component(suc or dict(type='SemiDenseUpSkip'), 'suc', in_channels=fused)
        self.first_stage, self.skip_source = first_stage, skip_source
        self.stage_channels = list(self.decoder.stage_channels) + [self.suc.out_channels]
        self._outputs: List[torch.Tensor] = []

    @property
    def stages(self) -> List[nn.Module]:
        return [*self.decoder.stages, self.suc]

    @property
    def num_inner(self) -> int:
        return len(self.decoder.stages)

    def forward_stage(self, index: int, x: torch.Tensor, context: dict) -> torch.Tensor:
        if index < self.num_inner:
            out = self.decoder.forward_stage(index, x, context)
            if self.skip_source == 'stage':
                if index == 0:
                    self._outputs = []
                if index >= self.first_stage:
                    self._outputs.append(out)
            return out
        return self.suc(self._skip_features(context))

    def _skip_features(self, context: dict) -> List[torch.Tensor]:
        count = self.num_inner - self.first_stage
        if self.skip_source == 'boundary':
            return list(context['history'][-count:])
        features, self._outputs = self._outputs, []
        if len(features) != count:
            raise RuntimeError(f'The SUC expected {count} stage outputs of this forward pass, '
                               f'got {len(features)}: run the stages in order from stage 0.')
        return features
