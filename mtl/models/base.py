"""The small interfaces through which components meet in :class:`MultiTaskModel`.

Each component kind is one abstract class here; a new component subclasses it in its
own file and registers itself in ``MODELS``. The model passes wiring information
(``in_channels``, ``channels``, ``tasks``) as build arguments, so configs only give
what is the component's own choice.

Components that restate a dataset value (a class count, a depth range) declare it with
``dataset_values()``, so that ``DatasetMetaCheckHook`` can hold them to the dataset's
``metainfo`` before the first iteration (keys: ``mtl.structures.DATASET_VALUE_KEYS``).
"""
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
from torch import nn
from torch.nn import functional as F

Features = Dict[str, torch.Tensor]


class Branch(nn.Module):
    """One task's decoder: an ordered list of stages.

    Subclasses fill ``self.stages`` (an ``nn.ModuleList``) and ``self.stage_channels``
    (the output channels of each stage). Interaction plugins sit at the boundaries
    between stages: boundary ``k`` is after stage ``k`` (``0`` is the branch input).
    """
    in_channels: int
    stages: nn.ModuleList
    stage_channels: List[int]

    def forward_stage(self, index: int, x: torch.Tensor, context: dict) -> torch.Tensor:
        """Run stage ``index``. ``context`` has ``features`` (the backbone's or neck's
        multi-scale list), ``history`` (this branch's earlier stage outputs, the
        branch input first) and ``input_size`` (H, W) of the image."""
        return self.stages[index](x)

    @property
    def out_channels(self) -> int:
        return self.stage_channels[-1] if self.stage_channels else self.in_channels

    def channels_at(self, boundary: int) -> int:
        """Channels of the feature at a stage boundary (0 = the branch input)."""
        return self.in_channels if boundary == 0 else self.stage_channels[boundary - 1]


class Head(nn.Module):
    """Turns a branch feature into a task output at a requested resolution.

    ``forward`` returns what the losses see (logits, metres, unit vectors);
    ``predict`` turns it into what the metrics see (labels, metres, probabilities).
    ``default_target`` is the sample key the head is supervised with by default.
    """
    default_target: str = ''

    def forward(self, x: torch.Tensor, out_size: Tuple[int, int]) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return output

    def resize(self, output: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        """Resize an output of ``forward`` to another resolution (bilinear)."""
        if tuple(output.shape[-2:]) == tuple(size):
            return output
        return F.interpolate(output, size=size, mode='bilinear', align_corners=False)

    def unflip(self, output: torch.Tensor) -> torch.Tensor:
        """Undo a horizontal flip of the input on an output (flip test-time augmentation)."""
        return output.flip(-1)

    def merge_flip(self, output: torch.Tensor, flipped_output: torch.Tensor) -> torch.Tensor:
        """Average an output with the output for the mirrored input."""
        return (output + self.unflip(flipped_output)) / 2

    def dataset_values(self) -> Dict[str, Any]:
        """The dataset values this head was built for, keyed by
        ``mtl.structures.DATASET_VALUE_KEYS`` (e.g. ``{'num_classes': 40}``); none by default."""
        return {}


class Interaction(nn.Module):
    """A cross-task plugin at a stage boundary: ``{task: feature} -> {task: feature}``.

    Built with ``tasks`` (the task names it connects, in order) and ``channels``
    (``{task: C}`` at its boundary). ``forward`` may return ``(features, losses)`` to add
    auxiliary losses, which the model names ``<interaction name>.<key>``. Tasks left out
    of the returned dict keep their previous feature. An interaction may introduce new
    task features only for tasks the model knows.
    """
    lr_mult: Optional[float] = None

    def forward(self, features: Features) -> Union[Features, Tuple[Features, Dict[str, torch.Tensor]]]:
        raise NotImplementedError


class Loss(nn.Module):
    """A loss on one output: ``forward(pred, target, valid_mask=None, **extra) -> scalar``.

    ``valid_mask`` is a bool tensor of shape B×H×W (True = labelled pixel) computed by
    the model from the target's invalid value. A batch without any valid pixel must give
    a zero that still carries a gradient, never NaN. ``task_type`` tells uncertainty
    weighting whether the loss is a regression or a classification likelihood.
    """
    task_type: str = 'regression'

    def dataset_values(self) -> Dict[str, Any]:
        """The dataset values this loss was built for, keyed by
        ``mtl.structures.DATASET_VALUE_KEYS`` (e.g. ``{'max_depth': 10.0}``); none by default."""
        return {}


class Combiner(nn.Module):
    """Turns the dict of named raw losses into weighted terms.

    ``forward(losses) -> (weighted, logs)``: ``weighted`` maps each loss name to its
    weighted term (the model sums them); ``logs`` holds scalars to log each iteration,
    such as learned weights. ``loss_names`` given at build time lets the combiner check
    its configuration against the losses that exist.
    """

    def forward(self, losses: Dict[str, torch.Tensor]) -> Tuple[Features, Dict[str, torch.Tensor]]:
        raise NotImplementedError


def masked_mean(values: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
    """Mean of ``values`` over ``mask`` (broadcast over channels); zero with a gradient
    when the mask is empty."""
    if mask is None:
        return values.mean()
    if mask.dim() < values.dim():
        mask = mask.unsqueeze(1).expand_as(values)
    count = mask.sum()
    if count == 0:  # masked_fill, not values * 0: unlabelled pixels may hold inf (0 · inf = NaN)
        return values.masked_fill(~mask, 0).sum()
    return values[mask].sum() / count


class ConvHead(Head):
    """A head whose raw output is a convolution of the feature, resized to ``out_size``.

    ``hidden_channels`` > 0 inserts a 3×3 conv–BN–ReLU before the final 3×3 convolution.
    Subclasses implement :meth:`activate` (applied after resizing).
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: int = 0):
        super().__init__()
        layers: List[nn.Module] = []
        if hidden_channels:
            layers += [nn.Conv2d(in_channels, hidden_channels, 3, padding=1, bias=False),
                       nn.BatchNorm2d(hidden_channels), nn.ReLU(inplace=True)]
            in_channels = hidden_channels
        layers.append(nn.Conv2d(in_channels, out_channels, 3, padding=1))
        self.conv = nn.Sequential(*layers)

    @property
    def last_conv(self) -> nn.Conv2d:
        return self.conv[-1]

    def activate(self, raw: torch.Tensor) -> torch.Tensor:
        return raw

    def forward(self, x: torch.Tensor, out_size: Tuple[int, int]) -> torch.Tensor:
        raw = self.conv(x)
        if tuple(raw.shape[-2:]) != tuple(out_size):
            raw = F.interpolate(raw, size=out_size, mode='bilinear', align_corners=False)
        return self.activate(raw)
