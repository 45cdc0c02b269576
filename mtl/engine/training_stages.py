"""Several training stages in one run, each with its frozen modules, per-module learning
rates, step schedule and loss weights (Jiao et al., ECCV 2018, Sec. 4.1; CI-Net and
PAD-Net train in stages too).

Example (Jiao et al.: depth first, then semantics, then end to end)::

    custom_hooks = [dict(type='TrainingStagesHook', by_epoch=True, stages=[
        dict(name='depth', length=40, frozen=('branches.seg', 'heads.seg', 'interactions'),
             lr={'': 1e-3}, step=20, loss_weights={'seg.focal': 0.0}),
        dict(name='semantics', length=40, frozen=('branches.depth', 'heads.depth'),
             lr={'backbone': 1e-5, '': 1e-3}, step=20),
        dict(name='joint', length=60, lr={'backbone': 1e-4, '': 1e-2}, step=20)])]
    optim_wrapper = dict(constructor='MTLOptimWrapperConstructor',
                         paramwise_cfg=dict(named_groups=True), optimizer=dict(type='Adam'))
    param_scheduler = []

A stage's keys:

- ``length``: epochs (``by_epoch=True``) or iterations; the lengths must add up to the
  train loop's ``max_epochs`` / ``max_iters``.
- ``frozen``: module-name prefixes (``model.named_parameters()`` names, matched at dot
  boundaries: ``'branches.seg'`` matches ``branches.seg.stages.0.conv.weight`` but not
  ``branches.segment``). Frozen parameters get ``requires_grad=False`` and lr 0, and
  with ``freeze_norm=True`` their batch-norm layers stay in eval mode (running
  statistics unchanged), so a frozen part computes exactly what it computed before.
- ``lr``: ``{prefix: learning rate}``; the longest matching prefix wins, ``''`` matches
  everything. A parameter group's ``lr_mult`` (e.g. from a module's ``lr_mult``)
  multiplies it.
- ``step`` / ``gamma`` (default none / 0.1): lr × gamma every ``step`` epochs or
  iterations, counted from the start of the stage.
- ``power`` (default none): polynomial decay within the stage, lr × (1 − t / length)^power
  at epoch / iteration t of the stage; combines with ``step``.
- ``loss_weights``: ``{loss name: weight}`` for the stage, handed to the model's combiner
  (``Combiner.set_stage_weights``, e.g. ``FixedWeighting``); other losses keep their
  configured weights. A combiner that cannot honour them (one that learns its weights)
  is reported before training.
- ``modes``: ``{module path: {mode: value}}`` for the stage, set with
  ``Switchable.set_mode`` on the module of that ``model.named_modules()`` path (e.g.
  ``{'neck': {'attention': 'ground_truth'}}``); a mode that a stage does not name keeps
  the value it had before training (its declared default, unless set otherwise).
  Validation, testing and the end of training see those values again. An unknown path,
  a module that is not ``Switchable``, an undeclared mode or value are reported before
  training.
- ``reset_optimizer`` (default False): clear the optimizer state (Adam moments) when
  the stage starts.

Why every parameter stays in the optimizer: mmengine leaves out parameters that are
frozen when the optimizer is built, and unfreezing them later silently trains nothing.
``MTLOptimWrapperConstructor`` with ``paramwise_cfg=dict(named_groups=True)`` puts every
parameter in its own named group, frozen or not; this hook sets each group's lr (0 while
frozen) and ``requires_grad``. The hook owns the learning rates, so the config must have
no ``param_scheduler``.

Resume: the stage, its lrs, its frozen set, loss weights and modes are functions of the
current epoch / iteration, applied before every step, so a run resumed in the middle
of a stage trains exactly as the uninterrupted run (the optimizer state comes from the
checkpoint; it holds every parameter in every stage). Under distributed training, set
``find_unused_parameters=True``: frozen parameters get no gradient.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from mtl.models.base import Combiner, ContractError, Switchable, TaskModel
from mtl.registry import HOOKS

STAGE_KEYS = {'name', 'length', 'frozen', 'lr', 'step', 'gamma', 'power', 'loss_weights',
              'modes', 'reset_optimizer'}


def matches(name: str, prefix: str) -> bool:
    """Whether a dotted parameter/module name lies under ``prefix`` ('' matches all)."""
    return prefix == '' or name == prefix or name.startswith(prefix + '.')


def check_modes(key: str, modes: Mapping) -> Dict[str, Dict[str, str]]:
    """A stage's ``modes`` as ``{module path: {mode: value}}``, checked for shape."""
    example = "{'neck': {'attention': 'ground_truth'}}"
    if not isinstance(modes, Mapping):
        raise ValueError(f'{key}.modes must map module paths to modes, e.g. {example}, '
                         f'got {modes!r}')
    for path, values in modes.items():
        if not (isinstance(values, Mapping) and values and all(
                isinstance(k, str) and isinstance(v, str) for k, v in values.items())):
            raise ValueError(f'{key}.modes["{path}"] must map mode names to values, e.g. '
                             f'{example}, got {values!r}')
    return {path: dict(values) for path, values in modes.items()}


class Stage:
    """One validated stage (see the module docstring for the keys)."""

    def __init__(self, index: int, name: Optional[str] = None, length: int = 0,
                 frozen: Sequence[str] = (), lr: Optional[Dict[str, float]] = None,
                 step: Optional[int] = None, gamma: float = 0.1, power: Optional[float] = None,
                 loss_weights: Optional[Dict[str, float]] = None,
                 modes: Optional[Dict[str, Dict[str, str]]] = None, reset_optimizer: bool = False):
        key = f'stages[{index}]'
        if length < 1:
            raise ValueError(f'{key}.length must be a positive number of epochs/iterations, '
                             f'got {length}')
        if not lr:
            raise ValueError(f'{key}.lr must map module-name prefixes to learning rates, e.g. '
                             f"{{'backbone': 1e-4, '': 1e-2}}")
        if step is not None and step < 1:
            raise ValueError(f'{key}.step must be positive, got {step}')
        if power is not None and power <= 0:
            raise ValueError(f'{key}.power must be positive (polynomial decay), got {power}')
        self.name = name or f'stage{index + 1}'
        self.length, self.frozen, self.lr = int(length), tuple(frozen), dict(lr)
        self.step, self.gamma, self.power = step, gamma, power
        self.loss_weights, self.reset_optimizer = dict(loss_weights or {}), reset_optimizer
        self.modes = check_modes(key, modes or {})

    def schedule(self, offset: int) -> Tuple[Tuple[int, int], float]:
        """``(key, factor)`` at epoch / iteration ``offset`` of the stage: the lr factor of
        the step and polynomial decays, and a key that changes whenever the factor does."""
        steps = offset // self.step if self.step else 0
        factor = self.gamma ** steps
        if self.power is None:
            return (steps, 0), factor
        return (steps, offset), factor * (1 - offset / self.length) ** self.power

    def is_frozen(self, name: str) -> bool:
        return any(matches(name, prefix) for prefix in self.frozen)

    def base_lr(self, name: str) -> float:
        prefixes = [p for p in self.lr if matches(name, p)]
        if not prefixes:
            raise ValueError(f'Stage "{self.name}": no lr prefix matches parameter "{name}"; add '
                             f"a default: lr={{..., '': value}}")
        return self.lr[max(prefixes, key=len)]


@HOOKS.register_module()
class TrainingStagesHook(Hook):
    """See the module docstring.

    Args:
        stages: one dict per stage.
        by_epoch: stage lengths and steps count epochs (else iterations).
        freeze_norm: keep the batch-norm layers of frozen modules in eval mode.
    """

    # Before RuntimeInfoHook (VERY_HIGH), which logs the learning rate of the step.
    priority = 'HIGHEST'

    def __init__(self, stages: Sequence[dict], by_epoch: bool = True, freeze_norm: bool = True):
        if not stages:
            raise ValueError('TrainingStagesHook needs at least one stage')
        for i, cfg in enumerate(stages):
            unknown = set(cfg) - STAGE_KEYS
            if unknown:
                raise ValueError(f'stages[{i}] has unknown keys {sorted(unknown)}; allowed: '
                                 f'{sorted(STAGE_KEYS)}')
        self.stages = [Stage(i, **cfg) for i, cfg in enumerate(stages)]
        self.by_epoch, self.freeze_norm = by_epoch, freeze_norm
        self._applied: Optional[Tuple[int, Tuple[int, int]]] = None
        self._trainable: Dict[str, bool] = {}
        self._combiner: Optional[Combiner] = None  # when a stage sets loss weights
        self._switched: Dict[str, Switchable] = {}  # module path -> module, for modes
        self._initial_modes: Dict[Tuple[str, str], str] = {}  # (path, mode) -> value
        self._frozen_norms: List[_BatchNorm] = []

    @property
    def total_length(self) -> int:
        return sum(s.length for s in self.stages)

    def locate(self, position: int) -> Tuple[int, int]:
        """``(stage index, position within the stage)`` of an epoch / iteration."""
        start = 0
        for index, stage in enumerate(self.stages):
            if position < start + stage.length:
                return index, position - start
            start += stage.length
        return len(self.stages) - 1, position - (start - self.stages[-1].length)

    # ------------------------------------------------------------------ checks
    def before_train(self, runner) -> None:
        model = _unwrap(runner.model)
        self._check_schedule(runner)
        self._check_names(model, runner.optim_wrapper.optimizer)
        self._trainable = {n: p.requires_grad for n, p in model.named_parameters()}
        self._combiner = self._check_loss_weights(model)
        self._check_modes(model)
        self._applied = None

    def _check_schedule(self, runner) -> None:
        schedulers = runner.param_schedulers
        if schedulers:
            raise ValueError('TrainingStagesHook sets the learning rates itself (per stage, with '
                             '"step" and "gamma"): set param_scheduler = [] in the config.')
        expected = runner.max_epochs if self.by_epoch else runner.max_iters
        unit = 'max_epochs' if self.by_epoch else 'max_iters'
        if expected != self.total_length:
            raise ValueError(f'The stage lengths add up to {self.total_length} but train_cfg.'
                             f'{unit} is {expected}: make them agree.')

    def _check_names(self, model, optimizer) -> None:
        grouped = {g.get('param_name') for g in optimizer.param_groups}
        missing = [n for n, _ in model.named_parameters() if n not in grouped]
        if missing:
            raise ValueError(f'TrainingStagesHook needs every parameter in its own named '
                             f'optimizer group, but {len(missing)} are not (e.g. {missing[:3]}): '
                             f'use optim_wrapper.constructor="MTLOptimWrapperConstructor" with '
                             f'paramwise_cfg=dict(named_groups=True).')
        names = [n for n, _ in model.named_parameters()]
        for stage in self.stages:
            for prefix in (*stage.frozen, *stage.lr):
                if not any(matches(n, prefix) for n in names):
                    raise ValueError(f'Stage "{stage.name}": the prefix "{prefix}" matches no '
                                     f'parameter of the model (names look like {names[0]!r})')

    def _check_loss_weights(self, model) -> Optional[Combiner]:
        """The model's combiner when a stage sets loss weights, after trying every
        stage's weights on it."""
        if not any(stage.loss_weights for stage in self.stages):
            return None
        combiner = model.combiner if isinstance(model, TaskModel) else None
        if not isinstance(combiner, Combiner):
            raise ValueError(f'A stage sets "loss_weights", which need a model that implements '
                             f'mtl.models.base.TaskModel with a mtl.models.base.Combiner; '
                             f'{type(model).__name__} has {type(combiner).__name__}')
        for i, stage in enumerate(self.stages):
            try:
                combiner.set_stage_weights(stage.loss_weights)
            except (ContractError, KeyError) as error:
                raise ValueError(f'stages[{i}] "{stage.name}".loss_weights: '
                                 f'{error.args[0]}') from None
        combiner.set_stage_weights({})
        return combiner

    def _check_modes(self, model) -> None:
        """Resolve every stage's ``modes`` to ``Switchable`` modules and check the values;
        remember each switched mode's value before training."""
        modules = dict(model.named_modules())
        self._switched, self._initial_modes = {}, {}
        for i, stage in enumerate(self.stages):
            for path, values in stage.modes.items():
                key = f'stages[{i}] "{stage.name}".modes["{path}"]'
                module = modules.get(path)
                if module is None:
                    raise ValueError(f'{key}: the model has no module "{path}"; paths are '
                                     f'model.named_modules() names, e.g. '
                                     f'{[n for n in modules if n][:5]}')
                if not isinstance(module, Switchable):
                    raise ValueError(f'{key}: {type(module).__name__} declares no modes (a '
                                     f'module that stages switch implements '
                                     f'mtl.models.base.Switchable)')
                for name, value in values.items():
                    try:
                        module.check_mode(name, value)
                    except ContractError as error:
                        raise ValueError(f'{key}: {error}') from None
                    self._initial_modes.setdefault((path, name), module.get_mode(name))
                self._switched[path] = module

    # ------------------------------------------------------------------ applying
    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        position = runner.epoch if self.by_epoch else runner.iter
        index, offset = self.locate(position)
        stage = self.stages[index]
        decay, factor = stage.schedule(offset)
        if self._applied is None or self._applied[0] != index:
            first_step = offset == 0 and (batch_idx == 0 or not self.by_epoch)
            self._enter(runner, index, first_step)
        if self._applied != (index, decay):
            self._set_lrs(runner.optim_wrapper.optimizer, stage, factor)
            self._applied = (index, decay)
        self._set_modes(stage)
        for norm in self._frozen_norms:
            norm.eval()

    def before_val_epoch(self, runner) -> None:
        self._set_modes(None)

    def after_train(self, runner) -> None:
        self._set_modes(None)

    def _enter(self, runner, index: int, first_step: bool) -> None:
        stage, model = self.stages[index], _unwrap(runner.model)
        for name, param in model.named_parameters():
            param.requires_grad_(self._trainable.get(name, True) and not stage.is_frozen(name))
        self._frozen_norms = [m for n, m in model.named_modules() if self.freeze_norm
                              and isinstance(m, _BatchNorm) and stage.is_frozen(n)]
        if self._combiner is not None:
            self._combiner.set_stage_weights(stage.loss_weights)
        if stage.reset_optimizer and first_step:
            runner.optim_wrapper.optimizer.state.clear()
        runner.logger.info(
            f'Training stage {index + 1}/{len(self.stages)} "{stage.name}": frozen '
            f'{list(stage.frozen) or "nothing"}, lr {stage.lr}, step {stage.step}, '
            f'loss weights {stage.loss_weights or "as configured"}, '
            f'modes {stage.modes or "as before training"}')

    def _set_modes(self, stage: Optional[Stage]) -> None:
        """The stage's modes; modes it does not name (and all of them with ``stage=None``)
        get their values from before training."""
        for (path, name), initial in self._initial_modes.items():
            value = stage.modes.get(path, {}).get(name, initial) if stage else initial
            self._switched[path].set_mode(name, value)

    def _set_lrs(self, optimizer, stage: Stage, factor: float) -> None:
        for group in optimizer.param_groups:
            name = group['param_name']
            if self._trainable.get(name, True) and not stage.is_frozen(name):
                group['lr'] = stage.base_lr(name) * group.get('lr_mult', 1.0) * factor
            else:
                group['lr'] = 0.0


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model
