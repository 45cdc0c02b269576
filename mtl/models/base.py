"""The small interfaces through which components meet in :class:`MultiTaskModel`, and
the contracts through which the engine's hooks reach them.

Each component kind is one abstract class here; a new component subclasses it in its
own file and registers itself in ``MODELS``. The model passes wiring information
(``in_channels``, ``channels``, ``tasks``) as build arguments, so configs only give
what is the component's own choice.

Contracts (no paper: this is the framework's own plumbing). The engine's hooks and the
optimizer constructor touch a component only through what is declared here, never by
probing for an attribute that happens to have the right name:

- :class:`Combiner` ``stage_weights()`` / ``set_stage_weights()``: per-stage loss weights
  (``TrainingStagesHook`` key ``loss_weights``); a combiner that cannot honour them says
  so with a :class:`ContractError`.
- :class:`AuxiliaryLosses` ``auxiliary_loss_names()``: the losses a module's ``forward``
  may return beside its output (interactions inherit it).
- :class:`TaskGated` ``set_task_presence()``: which samples carry each task's target
  (``PartialSupervisionHook``).
- :class:`Switchable` ``modes`` / ``set_mode()``: behaviours a training stage switches
  (``TrainingStagesHook`` key ``modes``).
- :class:`UsesLabelCounts` ``label_counts_key()`` / ``set_label_counts()``: the training
  set's pixel count per class (``LabelCountsHook``).
- ``lr_mult`` (:func:`lr_multiplier`): a module's learning-rate multiplier
  (``MTLOptimWrapperConstructor``).
- :class:`TaskModel` ``task_targets()``, ``required_targets()``, ``dataset_values()``,
  ``combiner`` and ``modules_implementing()``: what the model offers the hooks.
- :class:`Head` / :class:`Loss` ``dataset_values()``: the dataset values (a class count,
  a depth range; keys ``mtl.structures.DATASET_VALUE_KEYS``) a component was built for,
  which ``DatasetMetaCheckHook`` holds to the dataset's ``metainfo`` before the first
  iteration.

Hooks find the modules of a contract with ``isinstance``, so a method that merely
shares a name (a combiner's own ``weights()``) is never mistaken for the contract.
Plugins written before the contracts keep working: an ``aux_loss_names`` class
attribute is read by :func:`auxiliary_loss_names`, a class with a ``set_task_presence``
method counts as :class:`TaskGated`, and ``lr_mult`` is read from any module.
"""
import abc
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from torch import nn
from torch.nn import functional as F

Features = Dict[str, torch.Tensor]


class ContractError(ValueError):
    """A component was asked for something its contract does not offer: a feature it
    declines (per-stage weights from a combiner that learns them) or a mode it does not
    declare."""


# ---------------------------------------------------------------- contracts
class AuxiliaryLosses:
    """Contract of a module whose ``forward`` may return ``(output, {key: loss})``.

    The model names each loss ``<component name>.<key>``, hands it to the combiner, and
    rejects a returned key that :meth:`auxiliary_loss_names` does not list.
    """
    aux_loss_names: Sequence[str] = ()  # the form used before this contract; still read

    def auxiliary_loss_names(self) -> Tuple[str, ...]:
        """Keys of the auxiliary losses ``forward`` may return. Default: the class's
        ``aux_loss_names`` attribute (empty)."""
        return tuple(self.aux_loss_names)


def auxiliary_loss_names(module: nn.Module) -> Tuple[str, ...]:
    """The auxiliary losses ``module`` declares: :meth:`AuxiliaryLosses.auxiliary_loss_names`,
    or, for a plugin module that predates the contract and does not subclass it, its
    ``aux_loss_names`` attribute (none if it has none)."""
    if isinstance(module, AuxiliaryLosses):
        return tuple(module.auxiliary_loss_names())
    return tuple(getattr(module, 'aux_loss_names', ()))


def lr_multiplier(module: nn.Module) -> Optional[float]:
    """The learning-rate multiplier a module declares with an ``lr_mult`` attribute
    (``None``: the base rate). Any module may set one; :class:`Interaction` and
    :class:`Combiner` declare it with the default ``None``. The optimizer constructor
    applies it to the module's parameters unless ``paramwise_cfg.custom_keys`` names
    the module."""
    value = getattr(module, 'lr_mult', None)
    return None if value is None else float(value)


class TaskGated(abc.ABC):
    """Contract of a module that gates what flows between tasks, per sample.

    ``PartialSupervisionHook`` calls :meth:`set_task_presence` before each training step
    with ``{task: bool tensor (B,)}`` (True: the sample carries a valid target for the
    task) and with ``None`` after it (everything present: validation and testing are not
    gated). The default stores it as ``self.task_presence`` for ``forward`` to read, most
    simply through :meth:`detach_absent`.
    A class that defines ``set_task_presence`` without subclassing this (a plugin written
    before the contract) is recognised too.
    """
    task_presence: Optional[Dict[str, torch.Tensor]] = None

    def set_task_presence(self, presence: Optional[Mapping[str, torch.Tensor]]) -> None:
        """``{task: bool tensor (B,)}`` for the next forward passes, or ``None`` (all present)."""
        self.task_presence = dict(presence) if presence is not None else None

    def detach_absent(self, task: str, x: torch.Tensor) -> torch.Tensor:
        """``x`` (B, ...) unchanged in value, with its gradient cut for the samples that lack
        ``task``'s target: use it where task's feature feeds another task."""
        present = (self.task_presence or {}).get(task)
        if present is None or bool(present.all()):
            return x
        if present.numel() != x.shape[0]:
            raise ValueError(f'task presence for "{task}" has {present.numel()} samples, the '
                             f'feature batch has {x.shape[0]}')
        keep = present.to(device=x.device, dtype=x.dtype).view(-1, *([1] * (x.dim() - 1)))
        return keep * x + (1 - keep) * x.detach()

    @classmethod
    def __subclasshook__(cls, subclass: type):
        if cls is TaskGated and callable(getattr(subclass, 'set_task_presence', None)):
            return True
        return NotImplemented


class Switchable:
    """Contract of a module with modes that training stages switch.

    A subclass declares ``modes = {name: (value, ...)}``; the first value of each is the
    default, which is also what the module does outside training stages (validation,
    testing, inference). ``forward`` reads the current value with :meth:`get_mode`.
    ``TrainingStagesHook`` sets them with the stage key
    ``modes={'<module path>': {name: value}}`` (e.g. CI-Net's first stage feeds its
    scene understanding module the ground-truth affinity: ``modes = {'attention':
    ('predicted', 'ground_truth')}``). Modes are not saved in checkpoints: the hook sets
    them from the current iteration or epoch, so a resumed run gets them right.
    """
    modes: ClassVar[Dict[str, Tuple[str, ...]]] = {}
    _mode_values: Dict[str, str] = {}  # replaced per instance, never mutated

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, values in cls.modes.items():
            if not (isinstance(values, tuple) and values
                    and all(isinstance(v, str) for v in values)):
                raise TypeError(f'{cls.__name__}.modes["{name}"] must be a non-empty tuple of '
                                f'strings (the first is the default), got {values!r}')

    def check_mode(self, name: str, value: str) -> None:
        """Raise :class:`ContractError` unless ``value`` is a declared value of mode ``name``."""
        if name not in self.modes:
            raise ContractError(f'{type(self).__name__} has no mode "{name}"; it declares '
                                f'{sorted(self.modes) or "none"}')
        if value not in self.modes[name]:
            raise ContractError(f'{type(self).__name__} mode "{name}" cannot be {value!r}; '
                                f'its values are {list(self.modes[name])}')

    def set_mode(self, name: str, value: str) -> None:
        """Switch mode ``name`` to ``value`` (checked against ``modes``)."""
        self.check_mode(name, value)
        self._mode_values = {**self._mode_values, name: value}

    def get_mode(self, name: str) -> str:
        """The current value of mode ``name`` (its default until set)."""
        if name not in self.modes:
            raise ContractError(f'{type(self).__name__} has no mode "{name}"; it declares '
                                f'{sorted(self.modes) or "none"}')
        return self._mode_values.get(name, self.modes[name][0])


class UsesLabelCounts(abc.ABC):
    """Contract of a module that needs the training set's pixel count per class of one
    label target (e.g. class weights from frequencies). ``LabelCountsHook`` counts the
    training set once before training (cached) and calls :meth:`set_label_counts`."""

    @abc.abstractmethod
    def label_counts_key(self) -> Optional[str]:
        """The batch key of the labels to count, or ``None`` when this instance needs no
        counts."""

    @abc.abstractmethod
    def set_label_counts(self, counts: torch.Tensor) -> None:
        """``counts[c]``: the number of labelled training pixels of class ``c``."""


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

    def pure_stage(self, index: int) -> bool:
        """Whether stage ``index`` applies ``self.stages[index]`` to its input and nothing
        else (no context, no module outside ``stages``), so that branches may share it
        (``MultiTaskModel(shared_stages=...)``). True unless ``forward_stage`` is overridden;
        a subclass that overrides it declares its pure stages here."""
        return type(self).forward_stage is Branch.forward_stage

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
    ``out_channels`` is the channel count of ``forward``'s output (``None``: not declared);
    the model passes it to components that read the output by name.
    """
    default_target: str = ''
    out_channels: Optional[int] = None

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


class Interaction(AuxiliaryLosses, nn.Module):
    """A cross-task plugin at a stage boundary: ``{task: feature} -> {task: feature}``.

    Built with ``tasks`` (the task names it connects, in order) and ``channels``
    (``{task: C}`` at its boundary). ``forward`` may return ``(features, losses)`` to add
    auxiliary losses declared by :meth:`auxiliary_loss_names`, which the model names
    ``<interaction name>.<key>``. Tasks left out of the returned dict keep their previous
    feature. An interaction may introduce new task features only for tasks the model
    knows. ``lr_mult`` scales the learning rate of its parameters (see
    :func:`lr_multiplier`); it may also implement :class:`TaskGated` or
    :class:`Switchable`. At a task's last boundary it may return a feature of another
    width, declared by :meth:`output_channels`.

    Beyond its features, an interaction may read named tensors (other tasks' outputs,
    deep-supervision outputs, branch features, batch targets; see
    :mod:`mtl.models.named_tensors`): the config's ``inputs=dict(<kwarg>=<name>)`` passes
    them to ``forward`` as keyword arguments, and a constructor that declares
    ``input_channels`` receives ``{kwarg: channels}``. A neck may do the same (batch
    targets only) and, like an interaction, return ``(features, losses)``.
    """
    lr_mult: Optional[float] = None

    def forward(self, features: Features) -> Union[Features, Tuple[Features, Dict[str, torch.Tensor]]]:
        raise NotImplementedError

    def output_channels(self) -> Dict[str, int]:
        """``{task: C}`` for the tasks whose returned feature is not as wide as the
        feature at the boundary (e.g. an aggregation of several scales); the default,
        ``{}``, keeps every width. Allowed only at a task's last boundary, where the model
        builds the task's final head for ``C`` channels."""
        return {}


class Loss(nn.Module):
    """A loss on one output: ``forward(pred, target, valid_mask=None, **extra) -> scalar``.

    ``valid_mask`` is a bool tensor of shape B×H×W (True = labelled pixel) computed by
    the model from the target's invalid value. A batch without any valid pixel must give
    a zero that still carries a gradient, never NaN. ``task_type`` tells uncertainty
    weighting whether the loss is a regression or a classification likelihood. The
    config's ``extra=dict(<kwarg>=<name>)`` passes more named tensors as keyword
    arguments (see :mod:`mtl.models.named_tensors`).
    """
    task_type: str = 'regression'

    def dataset_values(self) -> Dict[str, Any]:
        """The dataset values this loss was built for, keyed by
        ``mtl.structures.DATASET_VALUE_KEYS`` (e.g. the depth-aware loss's ``max_depth``);
        none by default."""
        return {}


class Combiner(nn.Module):
    """Turns the dict of named raw losses into weighted terms.

    ``forward(losses) -> (weighted, logs)``: ``weighted`` maps each loss name to its
    weighted term (the model sums them); ``logs`` holds scalars to log each iteration,
    such as learned weights. ``loss_names`` given at build time lets the combiner check
    its configuration against the losses that exist. ``lr_mult`` scales the learning
    rate of learned weights (see :func:`lr_multiplier`).

    Per-stage weights (``TrainingStagesHook`` stage key ``loss_weights``): a combiner
    that can honour them overrides :meth:`set_stage_weights` and :meth:`stage_weights`;
    the defaults decline with a :class:`ContractError`.
    """
    lr_mult: Optional[float] = None

    def forward(self, losses: Dict[str, torch.Tensor]) -> Tuple[Features, Dict[str, torch.Tensor]]:
        raise NotImplementedError

    def set_stage_weights(self, weights: Mapping[str, float]) -> None:
        """Weights for the current training stage: ``{loss name: weight}`` replaces the
        configured weight of those losses, the others keep theirs, and ``{}`` restores
        the configuration. A name the combiner does not weigh is a ``KeyError``."""
        raise ContractError(f'{type(self).__name__} does not take per-stage loss weights '
                            f'(TrainingStagesHook stage key "loss_weights"): remove '
                            f'"loss_weights" from the stages, or use a combiner that '
                            f'implements Combiner.set_stage_weights')

    def stage_weights(self) -> Dict[str, float]:
        """``{loss name: weight}`` in effect for the losses a stage may re-weight; empty
        for a combiner that takes no per-stage weights."""
        return {}


class GradientCombiner(Combiner):
    """Contract of a combiner that balances the losses through their gradients on the
    shared parameters θ (the backbone and the neck: ``TaskModel.shared_parameters()``).

    ``forward`` weighs the losses for every other parameter as any combiner does (the
    default: each loss with weight 1, i.e. their sum). In training the model also calls
    :meth:`combine_gradients` with the T × P matrix of the per-loss gradients
    g_i = ∂(weighted term i)/∂θ, rows in the order of ``loss_names``, taken from unscaled
    losses and averaged over DDP processes; the returned vector (P,) becomes θ's
    gradient (:mod:`mtl.models.gradients` says how, and why AMP and DDP stay correct).
    Every loss must be present in every batch.
    """

    def __init__(self, loss_names: Sequence[str]):
        super().__init__()
        if len(loss_names) < 2:
            raise ValueError(f'{type(self).__name__} balances several losses; the model has '
                             f'{list(loss_names)}')
        self.loss_names = list(loss_names)

    def forward(self, losses: Dict[str, torch.Tensor]) -> Tuple[Features, Dict[str, torch.Tensor]]:
        return dict(losses), {}

    def combine_gradients(self, grads: torch.Tensor, names: List[str]
                          ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``grads`` (T × P, float32; row i belongs to ``names[i]``) -> (the combined
        gradient (P,), logs such as ``weight.<name>``)."""
        raise NotImplementedError


class TaskModel:
    """Contract of the model towards the engine's hooks (``MultiTaskModel`` implements it).

    ``combiner`` is the model's :class:`Combiner`.
    """
    combiner: Combiner

    def task_targets(self) -> Dict[str, str]:
        """``{task: target key}``: the batch key that supervises each task."""
        raise NotImplementedError

    def required_targets(self) -> Dict[str, str]:
        """``{loss name: target key}``: what the training set must provide."""
        raise NotImplementedError

    def shared_parameters(self) -> List[nn.Parameter]:
        """The parameters every task's loss reaches (what a :class:`GradientCombiner`
        balances)."""
        raise NotImplementedError

    def dataset_values(self) -> Dict[str, Dict[str, Any]]:
        """``{config key: {value key: value}}``: the dataset values (class count, depth
        range) that the model's components were built with; none by default."""
        return {}

    def modules_implementing(self, contract: type) -> List[Tuple[str, nn.Module]]:
        """``(name, module)`` for every sub-module (``named_modules()``) that is an
        instance of ``contract`` (e.g. :class:`TaskGated`)."""
        return [(name, module) for name, module in self.named_modules()
                if isinstance(module, contract)]


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
        self.out_channels = out_channels

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
