"""Common part of PAD-Net's multi-modal distillation modules (Xu et al., CVPR 2018, §3.4):
every intermediate prediction ``Y^t`` is re-encoded to a feature map ``F^t`` "with more
channels via convolutional layers" before A, B or C combine them.

The predictions arrive as keyword arguments of ``forward`` (the config's
``inputs=dict(<kwarg>=<output name>)``, e.g. ``depth='depth@1'``, ``normals='normals'``);
``input_channels`` (given by the model from the heads) holds each one's channels. A
receiving task ``k`` reads its own prediction from the keyword of the same name.

Readings: a prediction is resized bilinearly to the resolution of the features at the
module's boundary (the paper's "1/4 of the input" when the module sits after the
intermediate deconvolution); the re-encoding is one 3×3 convolution – BN – ReLU.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mtl.models.base import Interaction


def conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


def common_width(channels: Mapping[str, int], tasks: Sequence[str]) -> int:
    """The one feature width of the receiving tasks at the module's boundary."""
    widths = {t: channels[t] for t in tasks}
    if len(set(widths.values())) != 1:
        raise ValueError(f'the receiving tasks must have equal widths at the distillation '
                         f'boundary, got {widths}')
    return next(iter(widths.values()))


class PredictionDistillation(Interaction):
    """Re-encodes the intermediate predictions; subclasses combine the encodings.

    Args:
        tasks: the final tasks that receive distilled features (given by the model).
        channels: ``{task: C}`` at the boundary (given by the model).
        input_channels: ``{kwarg: channels}`` of the intermediate predictions read (given
            by the model, in the order of ``inputs``).
        encoded_channels: width of each ``F^t``.
        needs_own_input: whether each receiving task must be among the inputs.
    """

    def __init__(self, tasks: Sequence[str], input_channels: Mapping[str, int],
                 encoded_channels: int, needs_own_input: bool):
        super().__init__()
        self.tasks, self.sources = list(tasks), list(input_channels)
        if not self.sources:
            raise ValueError('no intermediate prediction is read: give inputs=dict(<kwarg>='
                             "<name>), e.g. inputs=dict(depth='depth@1', normals='normals')")
        unknown = [s for s, c in input_channels.items() if not c]
        if unknown:
            raise ValueError(f'the channels of inputs {unknown} are unknown (their heads do '
                             f'not declare out_channels); give input_channels=dict(<kwarg>=<C>)')
        missing = [t for t in self.tasks if t not in self.sources]
        if needs_own_input and missing:
            raise ValueError(f'tasks {missing} receive F^k = the encoding of their own '
                             f'intermediate prediction, but input_channels only names '
                             f'{self.sources}; add it to inputs')
        self.encoders = nn.ModuleDict(
            {s: conv_bn_relu(c, encoded_channels) for s, c in input_channels.items()})

    def encode(self, features: Dict[str, torch.Tensor],
               predictions: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """``{source: F^t}`` at the resolution of the boundary features."""
        if set(predictions) != set(self.sources):
            raise KeyError(f'{type(self).__name__} expects the predictions {self.sources} as '
                           f'keyword inputs, got {sorted(predictions)}')
        size = features[self.tasks[0]].shape[-2:]
        return {s: self.encoders[s](F.interpolate(predictions[s], size=size, mode='bilinear',
                                                  align_corners=False))
                for s in self.sources}
