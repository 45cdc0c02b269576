"""MultiTaskModel: wires backbone, neck, task branches, interactions, heads, losses and
a loss combiner, as configured (named tensors: docs/model.md). No paper: the framework's
wiring, no equation applies.

Config shape::

    model = dict(
        type='MultiTaskModel',
        backbone=dict(type='TimmBackbone', model_name='resnet18'),   # None: per-task encoders
        neck=dict(type='MyNeck', inputs=dict(labels='target:seg')),   # optional
        tasks=dict(
            depth=dict(branch=dict(type='UpConvDecoder', channels=(256, 128, 64)),
                       head=dict(type='DepthHead'), deep_supervision=(1,)),
            seg=dict(branch=..., head=dict(type='SegHead', num_classes=13)),
            bins=dict(branch=..., head=dict(type='DepthIntervalHead'), auxiliary=True)),
        interactions=dict(
            cs1=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'seg')),
            mix=dict(type='MyFusion', after_stage=2, tasks=('depth', 'seg'),
                     inputs=dict(coarse='depth@1', skip='feature:seg@1'))),
        losses={'depth.berhu': dict(type='BerHuLoss'), 'depth@1.l1': dict(type='MaskedL1Loss'),
                'seg.ce': dict(type='CrossEntropyLoss'),
                'seg.pair': dict(type='MyLoss', extra=dict(f_d='feature:depth@1'))},
        combiner=dict(type='FixedWeighting', weights={'seg.ce': 0.5}))

A task may start from another task's output or feature instead of the backbone
(``input='depth'`` or ``input='feature:depth@2'``: a cascade; it runs after that task), and
tasks may share stages of their branches
(``shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=2))``,
:mod:`mtl.models.stage_sharing`).

Outputs are named after tasks; a deep-supervision head at boundary k of task t is the
output ``t@k`` (it reads the branch feature at k before the interactions there). A loss
named ``owner.what`` reads output ``owner`` (or ``pred=``, any output) and the owner
task's target (or ``target=``).

Named tensors (grammar and rules in :mod:`mtl.models.named_tensors`): ``task``, ``task@k``,
``feature:task@k``, ``target:key`` and ``backbone:path``. Interactions and the neck declare
``inputs=dict(<forward kwarg>=<name>)`` and receive the tensors as keyword arguments;
losses declare ``extra=dict(<kwarg>=<name>)``. The names are checked at build time.
``predict`` mode runs the non-auxiliary final outputs and, transitively, what they read.
A neck or an interaction may return ``(features, losses)``: the losses are named
``neck.<key>`` or ``<interaction name>.<key>`` and must be declared
(``mtl.models.base.AuxiliaryLosses.auxiliary_loss_names``).
"""
from collections import OrderedDict
from functools import partial
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.model import BaseModel
from torch import nn

from mtl.models.base import GradientCombiner, Head, Interaction, Loss, TaskModel, auxiliary_loss_names
from mtl.models.builder import ConfigError, build_component
from mtl.models.gradients import combined_gradient_term
from mtl.models.named_tensors import (KINDS, ForwardGraph, NamedTensors, Read, RunPlan, TensorName,
                                      capture_outputs, check_accepts, input_order, probe_channels, read_names)
from mtl.models.stage_sharing import StageSharing
from mtl.registry import MODELS
from mtl.structures import TARGET_SPECS, valid_mask

TASK_KEYS = {'branch', 'head', 'target', 'auxiliary', 'in_index', 'deep_supervision', 'input'}


def module_key(name: str) -> str:
    """``nn.ModuleDict`` keys may not contain dots."""
    return name.replace('.', '__')


def split_inputs(cfg):
    """A component config without its ``inputs`` (the named tensors it reads), and those."""
    if not isinstance(cfg, dict):
        return cfg, {}
    cfg = dict(cfg)
    return cfg, cfg.pop('inputs', {})


class LossSpec:
    """Where a named loss reads its prediction, target and extra inputs (named tensors)."""

    def __init__(self, name: str, pred: str, target: str, extra: Dict[str, Read]):
        self.name, self.pred, self.target, self.extra = name, pred, target, extra


@MODELS.register_module()
class MultiTaskModel(BaseModel, TaskModel):
    """See the module docstring for the config shape.

    Args:
        tasks: ``{name: dict(branch, head, target=None, auxiliary=False, in_index=-1,
            deep_supervision=(), input=None)}``. Auxiliary tasks are trained but skipped in
            predict mode (no cost unless an interaction still needs their features or
            outputs). ``input`` names an output or feature of a task defined before, which
            the branch starts from instead of the backbone's level ``in_index``.
        backbone: shared trunk giving multi-scale features, or ``None`` so that each
            branch receives the normalised image (per-task encoders).
        neck: optional shared module on the feature list (``in_channels`` list given),
            with optional ``inputs`` (``target:`` and ``backbone:`` names only).
        interactions: ``{name: dict(type, after_stage, tasks, inputs={}, ...)}`` plugins at
            stage boundaries (0 = the branch inputs).
        losses: ``{'owner.loss': dict(type, pred=None, target=None, extra={}, ...)}``.
        combiner: loss combiner config (default ``FixedWeighting`` with weights 1).
        shared_stages: ``{group: dict(tasks, start=0, stop)}``: branch stages
            ``start..stop-1`` that the tasks share (:mod:`mtl.models.stage_sharing`).
        test_cfg: ``dict(flip=False)``; ``flip=True`` averages the prediction on the image
            and its mirror (flip test-time augmentation).
    """

    def __init__(self, tasks: dict, backbone: Optional[dict] = None, neck: Optional[dict] = None,
                 interactions: Optional[dict] = None, losses: Optional[dict] = None,
                 combiner: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None,
                 shared_stages: Optional[dict] = None):
        preprocessor = build_component(data_preprocessor or dict(type='MultiTaskDataPreprocessor'),
                                       'model.data_preprocessor')
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        if not tasks:
            raise ConfigError('model.tasks: at least one task is needed')
        self.test_cfg = {'flip': False, **(test_cfg or {})}
        self.backbone = build_component(backbone, 'model.backbone') if backbone else None
        channels = list(self.backbone.out_channels) if self.backbone else [3]
        self.graph = ForwardGraph([n for n, _ in self.backbone.named_modules()] if self.backbone else None)
        self.neck = self._build_reader(neck, 'model.neck', 'neck', kinds=('target', 'backbone'),
                                       in_channels=channels) if neck else None
        feature_channels = list(self.neck.out_channels) if self.neck else channels
        self._build_tasks(tasks, feature_channels)
        self.stage_sharing = StageSharing(shared_stages, self.branches)
        self._build_interactions(interactions or {})
        self._fit_final_heads(tasks)
        self._build_losses(losses or {})
        self._plan()
        names = list(self.loss_specs) + self.component_loss_names()
        self.combiner = build_component(combiner or dict(type='FixedWeighting'), 'model.combiner',
                                        loss_names=names, loss_types=self.loss_types())
        if isinstance(self.combiner, GradientCombiner) and not self.shared_parameters():
            raise ConfigError(f'model.combiner: {type(self.combiner).__name__} balances the gradients '
                              f'of the shared parameters, and this model shares none (no backbone, '
                              f'neck or shared stages): use a loss-based combiner')

    # ---------------------------------------------------------------- building
    def _build_tasks(self, tasks: dict, feature_channels: List[int]) -> None:
        self.branches, self.heads = nn.ModuleDict(), nn.ModuleDict()
        self.task_cfg: Dict[str, dict] = OrderedDict()
        for task in input_order(tasks):
            cfg, key = tasks[task], f'model.tasks.{task}'
            if not task.isidentifier():
                raise ConfigError(f'{key}: task names must be identifiers (no dots or "@")')
            unknown = set(cfg) - TASK_KEYS
            if unknown or 'branch' not in cfg or 'head' not in cfg:
                raise ConfigError(f'{key}: needs "branch" and "head"; allowed keys are '
                                  f'{sorted(TASK_KEYS)}, got unknown {sorted(unknown)}')
            in_index = cfg.get('in_index', -1)
            if not -len(feature_channels) <= in_index < len(feature_channels):
                raise ConfigError(f'{key}.in_index={in_index}, but there are '
                                  f'{len(feature_channels)} feature levels')
            source = cfg.get('input')
            if source is not None:
                source = self.graph.checked_name(source, key, f'{key}.input', kinds=('output', 'feature'))
            in_channels = self.channels_of({'input': source})['input'] if source else feature_channels[in_index]
            branch = build_component(cfg['branch'], f'{key}.branch', in_channels=in_channels,
                                     feature_channels=tuple(feature_channels))
            self.branches[task] = branch
            self.heads[task] = build_component(cfg['head'], f'{key}.head', in_channels=branch.out_channels)
            for stage in cfg.get('deep_supervision', ()):
                if not 0 <= stage <= len(branch.stages):
                    raise ConfigError(f'{key}.deep_supervision: boundary {stage} does not exist '
                                      f'(the branch has {len(branch.stages)} stages)')
                self.heads[f'{task}@{stage}'] = build_component(
                    cfg['head'], f'{key}.head', in_channels=branch.channels_at(stage))
            self.task_cfg[task] = dict(
                target=cfg.get('target') or self.heads[task].default_target,
                auxiliary=bool(cfg.get('auxiliary', False)), in_index=in_index,
                deep_supervision=tuple(cfg.get('deep_supervision', ())))
            self.graph.add_task(task, len(branch.stages), self.task_cfg[task]['deep_supervision'],
                                source, f'{key}.input')

    def _build_interactions(self, interactions: dict) -> None:
        self.interactions = nn.ModuleDict()
        self.interaction_at: Dict[int, List[str]] = {}
        for name, cfg in interactions.items():  # placed first: a reader may read what a later one changes
            key = f'model.interactions.{name}'
            tasks, boundary = cfg.get('tasks'), cfg.get('after_stage')
            if not tasks or boundary is None:
                raise ConfigError(f'{key}: needs "tasks" and "after_stage"')
            if name == 'neck':
                raise ConfigError(f'{key}: "neck" names the neck (its losses are "neck.<key>"); rename it')
            missing = [t for t in tasks if t not in self.branches]
            if missing:
                raise ConfigError(f'{key}.tasks names {missing}, which are not defined in '
                                  f'model.tasks ({list(self.branches)})')
            for task in tasks:
                if not 0 <= boundary <= len(self.branches[task].stages):
                    raise ConfigError(f'{key}.after_stage={boundary}, but task "{task}" has '
                                      f'{len(self.branches[task].stages)} stages')
            self.graph.place(name, boundary, tasks)
            self.interaction_at.setdefault(boundary, []).append(name)
        for name, cfg in interactions.items():
            cfg = {k: v for k, v in cfg.items() if k not in ('tasks', 'after_stage')}
            tasks, boundary = self.graph.placements[name].tasks, self.graph.placements[name].boundary
            channels = {t: self.branches[t].channels_at(boundary) for t in tasks}
            self.interactions[name] = self._build_reader(cfg, f'model.interactions.{name}', name,
                                                         tasks=list(tasks), channels=channels)

    def _fit_final_heads(self, tasks: dict) -> None:
        """Rebuild the final head of a task whose last interaction returns a feature of
        another width (``Interaction.output_channels()``) for that width."""
        for name, module in self.interactions.items():
            place, key = self.graph.placements[name], f'model.interactions.{name}'
            for task, width in (module.output_channels() if isinstance(module, Interaction) else {}).items():
                stages = len(self.branches[task].stages)
                later = [n for n, p in self.graph.placements.items() if p.boundary == place.boundary
                         and p.index > place.index and task in p.tasks]
                if task not in place.tasks or place.boundary != stages or later:
                    raise ConfigError(f'{key}: {type(module).__name__} returns {width} channels for '
                                      f'"{task}", so it must be the last interaction of that task, '
                                      f'at its branch\'s last boundary (after_stage={stages})')
                self.heads[task] = build_component(tasks[task]['head'], f'model.tasks.{task}.head',
                                                   in_channels=width)

    def _build_reader(self, cfg: dict, key: str, reader: str, kinds=KINDS, **wiring) -> nn.Module:
        """Build a neck or an interaction whose ``inputs`` (named tensors passed to its
        ``forward``) are checked; a constructor that declares ``input_channels`` gets
        ``{kwarg: channels}`` of them."""
        cfg, inputs = split_inputs(cfg)
        if not isinstance(inputs, dict):
            raise ConfigError(f'{key}.inputs: expected dict(<forward kwarg>=<tensor name>), got {inputs!r}')
        reads = self.graph.declare_reads(reader, key, 'inputs', inputs, kinds)
        module = build_component(cfg, key, input_channels=self.channels_of(reads), **wiring)
        check_accepts(module.forward, reads, 1, f'{key}.inputs')
        return module

    def channels_of(self, reads: Dict[str, Read]) -> Dict[str, object]:
        """``{kwarg: channels}`` of named tensors: a feature's branch channels, an output's
        ``Head.out_channels``, a target's ``TargetSpec.channels`` (0: an H×W map), a backbone
        sub-module's measured channels; a list of channels where the kwarg reads a list."""
        paths = [name.module for name in read_names(reads) if name.kind == 'backbone']
        probed = probe_channels(self.backbone, paths, 'model.backbone') if paths else {}

        def channels(name: TensorName) -> Optional[int]:
            if name.kind == 'backbone':
                return probed[name.module]
            if name.kind == 'target':
                return TARGET_SPECS[name.target].channels
            if name.kind == 'feature':
                return self.branches[name.task].channels_at(name.boundary)
            return self.heads[name.output].out_channels
        return {kwarg: [channels(n) for n in read] if isinstance(read, tuple) else channels(read)
                for kwarg, read in reads.items()}

    def _build_losses(self, losses: dict) -> None:
        self.losses = nn.ModuleDict()
        self.loss_specs: Dict[str, LossSpec] = OrderedDict()
        for name, cfg in losses.items():
            key = f'model.losses["{name}"]'
            if name.count('.') < 1 or 'loss' in name.lower():
                raise ConfigError(f'{key}: loss names are "owner.what" (e.g. "depth.berhu") and must '
                                  f'not contain "loss" (mmengine sums keys containing it)')
            cfg = dict(cfg)
            pred, target = cfg.pop('pred', name.split('.')[0]), cfg.pop('target', None)
            extra = cfg.pop('extra', {})
            task = self.graph.checked_name(pred, key, f'{key}.pred', kinds=('output',)).task
            extra = self.graph.declare_reads(key, key, 'extra', extra)
            target = target or self.task_cfg[task]['target']
            if target not in TARGET_SPECS:
                raise ConfigError(f'{key}.target "{target}" is not a known target {sorted(TARGET_SPECS)}; '
                                  f'declare it with mtl.structures.register_target()')
            self.losses[module_key(name)] = build_component(
                cfg, key, input_channels=self.channels_of(extra), target_key=target)
            check_accepts(self.losses[module_key(name)].forward, extra, 3, f'{key}.extra')
            self.loss_specs[name] = LossSpec(name, pred, target, extra)

    def _plan(self) -> None:
        """What a pass computes: every output when training, in ``tensor`` mode and for
        losses; the non-auxiliary final outputs and what they read when predicting."""
        active = [t for t, cfg in self.task_cfg.items() if not cfg['auxiliary']]
        if not active:
            raise ConfigError('model.tasks: every task is auxiliary, so nothing would be predicted')
        self.train_plan: RunPlan = self.graph.plan(list(self.heads))
        self.predict_plan: RunPlan = self.graph.plan(active)

    def interaction_loss_names(self) -> List[str]:
        return [f'{name}.{aux}' for name, module in self.interactions.items()
                for aux in auxiliary_loss_names(module)]

    def component_loss_names(self) -> List[str]:
        """The losses the neck (``neck.<key>``) and interactions (``<name>.<key>``) add."""
        neck = [f'neck.{aux}' for aux in auxiliary_loss_names(self.neck)] if self.neck else []
        return neck + self.interaction_loss_names()

    def loss_types(self) -> Dict[str, str]:
        return {name: self.losses[module_key(name)].task_type for name in self.loss_specs}

    def dataset_values(self) -> Dict[str, dict]:
        """``{config key: {value key: value}}``: the dataset values (class count, depth
        range, keys ``mtl.structures.DATASET_VALUE_KEYS``) that heads and losses were
        built with, for ``DatasetMetaCheckHook`` to compare with the dataset's metainfo."""
        found = {}
        for output, head in self.heads.items():
            if isinstance(head, Head) and head.dataset_values():
                found[f'model.tasks.{output.split("@")[0]}.head'] = head.dataset_values()
        for name in self.loss_specs:
            loss = self.losses[module_key(name)]
            if isinstance(loss, Loss) and loss.dataset_values():
                found[f'model.losses["{name}"]'] = loss.dataset_values()
        return found

    def required_targets(self) -> Dict[str, str]:
        """``{loss name: target key}``: what the dataset must provide."""
        return {name: spec.target for name, spec in self.loss_specs.items()}

    def shared_parameters(self) -> List[nn.Parameter]:
        """The backbone's, the neck's and the shared branch stages' parameters."""
        return [p for module in (self.backbone, self.neck) if module is not None
                for p in module.parameters()] + self.stage_sharing.parameters()

    def task_targets(self) -> Dict[str, str]:
        """``{task: target key}``: the batch key that supervises each task."""
        return {task: cfg['target'] for task, cfg in self.task_cfg.items()}

    # ---------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor, data_samples: Optional[dict] = None, mode: str = 'tensor'):
        if mode == 'loss':
            data_samples = data_samples or {}
            return self.loss(self.forward_named(inputs, targets=data_samples), data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples or {})
        if mode == 'tensor':
            return self.forward_outputs(inputs)[0]
        raise ValueError(f'Invalid mode "{mode}": use "loss", "predict" or "tensor"')

    def forward_outputs(self, inputs: torch.Tensor, predicting: bool = False
                        ) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
        """Raw head outputs at input resolution (all of them, or when ``predicting`` the
        non-auxiliary final ones), and the components' auxiliary losses."""
        named = self.forward_named(inputs, predicting=predicting)
        plan = self.predict_plan if predicting else self.train_plan
        return {key: named.outputs[key] for key in plan.outputs}, named.aux_losses

    def forward_named(self, inputs: torch.Tensor, targets: Optional[dict] = None,
                      predicting: bool = False) -> NamedTensors:
        """One pass of the train plan (everything) or the predict plan. ``targets`` is the
        batch in ``loss`` mode, read by ``target:`` names; ``None`` otherwise."""
        plan = self.predict_plan if predicting else self.train_plan
        size = tuple(inputs.shape[-2:])
        with capture_outputs(self.backbone, self.graph.backbone_reads()) as tapped:
            features = self.backbone(inputs) if self.backbone else [inputs]
        x: Dict[str, torch.Tensor] = {}
        named = NamedTensors(self.heads, size, targets, x, tapped)
        if self.neck:
            features = self._call('neck', self.neck, features, named)
        shared_runs = {}  # what each shared stage computed in this pass
        for wave in plan.waves:
            for t in wave:
                source = self.graph.inputs.get(t)
                x[t] = named.get(source) if source else features[self.task_cfg[t]['in_index']]
            self._run_branches(wave, plan, x, named, features, shared_runs)
        for t in plan.finals:
            named.final(t)
        return named

    def _run_branches(self, tasks: List[str], plan: RunPlan, x: Dict[str, torch.Tensor],
                      named: NamedTensors, features: list, shared_runs: dict) -> None:
        """Run the branches of ``tasks`` (one wave) stage by stage from their inputs in
        ``x``, with the interactions, deep-supervision heads and kept features of ``plan``."""
        size, history = named.size, {t: [] for t in tasks}
        for boundary in range(max(plan.run_to[t] for t in tasks) + 1):
            for t in plan.features.get(boundary, ()):
                if t in history:
                    named.features[(t, boundary)] = x[t]
            for t in plan.deep_heads.get(boundary, ()):
                if t in history:
                    named.outputs[f'{t}@{boundary}'] = self.heads[f'{t}@{boundary}'](x[t], size)
            for name in plan.interactions.get(boundary, ()):
                if self.graph.placements[name].tasks[0] not in history:
                    continue
                result = self._call(name, self.interactions[name],
                                    {t: x[t] for t in self.graph.placements[name].tasks}, named)
                read_early = set(result) & set(named.outputs)
                if read_early:
                    raise RuntimeError(f'Interaction "{name}" changed the features of {sorted(read_early)} '
                                       f'after their final outputs were read')
                x.update(result)
            for t in tasks:
                last = plan.run_to[t]
                if boundary > last:
                    continue
                history[t].append(x[t])
                if boundary < last:
                    context = dict(features=features, history=history[t], input_size=size)
                    stage = partial(self.branches[t].forward_stage, boundary, x[t], context)
                    x[t] = self.stage_sharing.run(t, boundary, x[t], stage, shared_runs)

    def _call(self, name: str, module: nn.Module, value, named: NamedTensors):
        """Run a neck or an interaction with the named tensors it reads as keyword
        arguments; keep the auxiliary losses it returns as ``<name>.<key>``."""
        result = module(value, **named.resolve(self.graph.reads.get(name, {})))
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
            result, losses = result
            undeclared = set(losses) - set(auxiliary_loss_names(module))
            if undeclared:
                raise KeyError(f'{type(module).__name__} "{name}" returned losses {sorted(undeclared)} '
                               f'that its auxiliary_loss_names() (or aux_loss_names) does not declare')
            named.aux_losses.update({f'{name}.{k}': v for k, v in losses.items()})
        return result

    def loss(self, named: NamedTensors, data_samples: dict) -> Dict[str, torch.Tensor]:
        """Weighted terms under ``loss_<name>`` (summed by mmengine), raw values under
        ``<name>`` and combiner logs (e.g. ``weight.<name>``), both logged only. A loss
        whose target is absent from the batch is skipped."""
        raw = {}
        for name, spec in self.loss_specs.items():
            target = data_samples.get(spec.target)
            if target is None:
                continue
            pred = self.heads[spec.pred].resize(named.outputs[spec.pred], target.shape[-2:])
            extra = named.resolve(spec.extra)
            raw[name] = self.losses[module_key(name)](pred, target, valid_mask(spec.target, target), **extra)
        raw.update(named.aux_losses)
        if not raw:
            raise KeyError(f'No loss could be computed: the batch has targets '
                           f'{sorted(k for k in data_samples if k != "meta")}, the losses need '
                           f'{sorted(set(self.required_targets().values()))}')
        weighted, logs = self.combiner(raw)
        result = {f'loss_{name}': value for name, value in weighted.items()}
        if isinstance(self.combiner, GradientCombiner) and self.training and torch.is_grad_enabled():
            term, gradient_logs = combined_gradient_term(weighted, self.shared_parameters(), self.combiner)
            result['loss_gradient_combination'] = term  # zero; its gradient: module docstring
            logs = {**logs, **gradient_logs}
        result.update({name: value.detach() for name, value in raw.items()})
        result.update(logs)
        return result

    # ---------------------------------------------------------------- predict
    def predict(self, inputs: torch.Tensor, data_samples: dict) -> List[dict]:
        """One dict per image: ``{'pred': {task: prediction}, 'gt': {target: tensor},
        'meta': dict}``, predictions at the ground truth's resolution when the batch has
        it, else at the size ``meta['output_size']`` names (the same for the whole batch),
        else at input resolution; on the CPU."""
        outputs, _ = self.forward_outputs(inputs, predicting=True)
        if self.test_cfg['flip']:
            flipped, _ = self.forward_outputs(inputs.flip(-1), predicting=True)
            outputs = {t: self.heads[t].merge_flip(outputs[t], flipped[t]) for t in outputs}
        metas = data_samples.get('meta') or [{} for _ in range(inputs.shape[0])]
        output_size = metas[0].get('output_size', inputs.shape[-2:])
        predictions = {}
        for task, output in outputs.items():
            target = data_samples.get(self.task_cfg[task]['target'])
            size = target.shape[-2:] if target is not None else tuple(output_size)
            predictions[task] = self.heads[task].predict(self.heads[task].resize(output, size)).cpu()
        targets = {k: v.cpu() for k, v in data_samples.items() if isinstance(v, torch.Tensor)}
        return [dict(pred={t: p[i] for t, p in predictions.items()},
                     gt={k: v[i] for k, v in targets.items()}, meta=metas[i])
                for i in range(inputs.shape[0])]
