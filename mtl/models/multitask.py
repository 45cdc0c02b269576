"""MultiTaskModel: wires backbone, neck, task branches, interactions, heads, losses and
a loss combiner, as configured (docs/tutorial.md walks through the wiring).

Config shape::

    model = dict(
        type='MultiTaskModel',
        backbone=dict(type='TimmBackbone', model_name='resnet18'),   # None: per-task encoders
        neck=None,
        tasks=dict(
            depth=dict(branch=dict(type='UpConvDecoder', channels=(256, 128, 64)),
                       head=dict(type='DepthHead'), deep_supervision=(1,)),
            seg=dict(branch=..., head=dict(type='SegHead', num_classes=13)),
            bins=dict(branch=..., head=dict(type='DepthIntervalHead'), auxiliary=True)),
        interactions=dict(cs1=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'seg'))),
        losses={'depth.berhu': dict(type='BerHuLoss'), 'depth@1.l1': dict(type='MaskedL1Loss'),
                'seg.ce': dict(type='CrossEntropyLoss')},
        combiner=dict(type='FixedWeighting', weights={'seg.ce': 0.5}))

Outputs are named after tasks; a deep-supervision head at boundary k of task t is the
output ``t@k``. A loss named ``owner.what`` reads output ``owner`` (or ``pred=``) and the
owner task's target (or ``target=``); ``extra=dict(kwarg='output')`` passes more outputs.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModel
from torch import nn

from mtl.models.base import TaskModel, auxiliary_loss_names
from mtl.models.builder import ConfigError, build_component
from mtl.registry import MODELS
from mtl.structures import TARGET_SPECS, valid_mask

TASK_KEYS = {'branch', 'head', 'target', 'auxiliary', 'in_index', 'deep_supervision'}


def module_key(name: str) -> str:
    """``nn.ModuleDict`` keys may not contain dots."""
    return name.replace('.', '__')


class LossSpec:
    """Where a named loss reads its prediction, target and extra inputs."""

    def __init__(self, name: str, pred: str, target: str, extra: Dict[str, str]):
        self.name, self.pred, self.target, self.extra = name, pred, target, extra


@MODELS.register_module()
class MultiTaskModel(BaseModel, TaskModel):
    """See the module docstring for the config shape.

    Args:
        tasks: ``{name: dict(branch, head, target=None, auxiliary=False, in_index=-1,
            deep_supervision=())}``. Auxiliary tasks are trained but skipped in predict
            mode (no cost unless an interaction still needs their features).
        backbone: shared trunk giving multi-scale features, or ``None`` so that each
            branch receives the normalised image (per-task encoders).
        neck: optional shared module on the feature list (``in_channels`` list given).
        interactions: ``{name: dict(type, after_stage, tasks, ...)}`` plugins at stage
            boundaries (0 = the branch inputs).
        losses: ``{'owner.loss': dict(type, pred=None, target=None, extra={}, ...)}``.
        combiner: loss combiner config (default ``FixedWeighting`` with weights 1).
        test_cfg: ``dict(flip=False)``; ``flip=True`` averages the prediction on the image
            and its mirror (flip test-time augmentation).
    """

    def __init__(self, tasks: dict, backbone: Optional[dict] = None, neck: Optional[dict] = None,
                 interactions: Optional[dict] = None, losses: Optional[dict] = None,
                 combiner: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None):
        preprocessor = build_component(data_preprocessor or dict(type='MultiTaskDataPreprocessor'),
                                       'model.data_preprocessor')
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        if not tasks:
            raise ConfigError('model.tasks: at least one task is needed')
        self.test_cfg = {'flip': False, **(test_cfg or {})}
        self.backbone = build_component(backbone, 'model.backbone') if backbone else None
        channels = list(self.backbone.out_channels) if self.backbone else [3]
        self.neck = build_component(neck, 'model.neck', in_channels=channels) if neck else None
        feature_channels = list(self.neck.out_channels) if self.neck else channels
        self._build_tasks(tasks, feature_channels)
        self._build_interactions(interactions or {})
        self._build_losses(losses or {})
        names = list(self.loss_specs) + self.interaction_loss_names()
        self.combiner = build_component(combiner or dict(type='FixedWeighting'), 'model.combiner',
                                        loss_names=names, loss_types=self.loss_types())

    # ---------------------------------------------------------------- building
    def _build_tasks(self, tasks: dict, feature_channels: List[int]) -> None:
        self.branches, self.heads = nn.ModuleDict(), nn.ModuleDict()
        self.task_cfg: Dict[str, dict] = OrderedDict()
        for task, cfg in tasks.items():
            key = f'model.tasks.{task}'
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
            branch = build_component(cfg['branch'], f'{key}.branch',
                                     in_channels=feature_channels[in_index],
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

    def _build_interactions(self, interactions: dict) -> None:
        self.interactions = nn.ModuleDict()
        self.interaction_at: Dict[int, List[str]] = {}
        for name, cfg in interactions.items():
            key = f'model.interactions.{name}'
            cfg = dict(cfg)
            tasks, boundary = cfg.pop('tasks', None), cfg.pop('after_stage', None)
            if not tasks or boundary is None:
                raise ConfigError(f'{key}: needs "tasks" and "after_stage"')
            missing = [t for t in tasks if t not in self.branches]
            if missing:
                raise ConfigError(f'{key}.tasks names {missing}, which are not defined in '
                                  f'model.tasks ({list(self.branches)})')
            for task in tasks:
                if not 0 <= boundary <= len(self.branches[task].stages):
                    raise ConfigError(f'{key}.after_stage={boundary}, but task "{task}" has '
                                      f'{len(self.branches[task].stages)} stages')
            channels = {t: self.branches[t].channels_at(boundary) for t in tasks}
            self.interactions[name] = build_component(cfg, key, tasks=list(tasks), channels=channels)
            self.interaction_at.setdefault(boundary, []).append(name)

    def _build_losses(self, losses: dict) -> None:
        self.losses = nn.ModuleDict()
        self.loss_specs: Dict[str, LossSpec] = OrderedDict()
        for name, cfg in losses.items():
            key = f'model.losses["{name}"]'
            if name.count('.') < 1 or 'loss' in name.lower():
                raise ConfigError(f'{key}: loss names are "owner.what" (e.g. "depth.berhu") and must '
                                  f'not contain "loss" (mmengine sums keys containing it)')
            cfg = dict(cfg)
            owner = name.split('.')[0]
            pred, target, extra = cfg.pop('pred', owner), cfg.pop('target', None), cfg.pop('extra', {})
            for output in [pred, *extra.values()]:
                if output not in self.heads:
                    raise ConfigError(f'{key} reads output "{output}", which no task produces '
                                      f'(outputs: {list(self.heads)})')
            task = pred.split('@')[0]
            target = target or self.task_cfg[task]['target']
            if target not in TARGET_SPECS:
                raise ConfigError(f'{key}.target "{target}" is not a known target {sorted(TARGET_SPECS)}; '
                                  f'declare it with mtl.structures.register_target()')
            self.losses[module_key(name)] = build_component(cfg, key)
            self.loss_specs[name] = LossSpec(name, pred, target, dict(extra))

    def interaction_loss_names(self) -> List[str]:
        return [f'{name}.{aux}' for name, module in self.interactions.items()
                for aux in auxiliary_loss_names(module)]

    def loss_types(self) -> Dict[str, str]:
        return {name: self.losses[module_key(name)].task_type for name in self.loss_specs}

    def required_targets(self) -> Dict[str, str]:
        """``{loss name: target key}``: what the dataset must provide."""
        return {name: spec.target for name, spec in self.loss_specs.items()}

    def task_targets(self) -> Dict[str, str]:
        """``{task: target key}``: the batch key that supervises each task."""
        return {task: cfg['target'] for task, cfg in self.task_cfg.items()}

    # ---------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor, data_samples: Optional[dict] = None, mode: str = 'tensor'):
        if mode == 'loss':
            outputs, aux_losses = self.forward_outputs(inputs)
            return self.loss(outputs, aux_losses, data_samples or {})
        if mode == 'predict':
            return self.predict(inputs, data_samples or {})
        if mode == 'tensor':
            return self.forward_outputs(inputs)[0]
        raise ValueError(f'Invalid mode "{mode}": use "loss", "predict" or "tensor"')

    def active_tasks(self, predicting: bool) -> List[str]:
        """All tasks when training; when predicting, the non-auxiliary ones and those
        whose features an interaction with them needs."""
        if not predicting:
            return list(self.branches)
        active = {t for t, cfg in self.task_cfg.items() if not cfg['auxiliary']}
        for module in self.interactions.values():
            if active & set(module.tasks):
                active |= set(module.tasks)
        return [t for t in self.branches if t in active]

    def forward_outputs(self, inputs: torch.Tensor, predicting: bool = False
                        ) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
        """Raw head outputs at input resolution, and the interactions' auxiliary losses."""
        size = tuple(inputs.shape[-2:])
        features = self.backbone(inputs) if self.backbone else [inputs]
        if self.neck:
            features = self.neck(features)
        tasks = self.active_tasks(predicting)
        x = {t: features[self.task_cfg[t]['in_index']] for t in tasks}
        history = {t: [] for t in tasks}
        outputs, aux_losses = {}, {}
        for boundary in range(max(len(self.branches[t].stages) for t in tasks) + 1):
            for name in self.interaction_at.get(boundary, ()):
                module = self.interactions[name]
                if not set(module.tasks) <= set(tasks):
                    continue
                result = module({t: x[t] for t in module.tasks})
                if isinstance(result, tuple):
                    result, losses = result
                    undeclared = set(losses) - set(auxiliary_loss_names(module))
                    if undeclared:
                        raise KeyError(f'Interaction "{name}" returned losses {sorted(undeclared)} '
                                       f'that its auxiliary_loss_names() (or aux_loss_names) '
                                       f'does not declare')
                    aux_losses.update({f'{name}.{k}': v for k, v in losses.items()})
                x.update(result)
            for t in tasks:
                branch = self.branches[t]
                if boundary > len(branch.stages):
                    continue
                history[t].append(x[t])
                if not predicting and boundary in self.task_cfg[t]['deep_supervision']:
                    outputs[f'{t}@{boundary}'] = self.heads[f'{t}@{boundary}'](x[t], size)
                if boundary < len(branch.stages):
                    context = dict(features=features, history=history[t], input_size=size)
                    x[t] = branch.forward_stage(boundary, x[t], context)
        for t in tasks:
            if not (predicting and self.task_cfg[t]['auxiliary']):
                outputs[t] = self.heads[t](x[t], size)
        return outputs, aux_losses

    def loss(self, outputs: Dict[str, torch.Tensor], aux_losses: Dict[str, torch.Tensor],
             data_samples: dict) -> Dict[str, torch.Tensor]:
        """Weighted terms under ``loss_<name>`` (summed by mmengine), raw values under
        ``<name>`` and combiner logs (e.g. ``weight.<name>``), both logged only. A loss
        whose target is absent from the batch is skipped."""
        raw = {}
        for name, spec in self.loss_specs.items():
            target = data_samples.get(spec.target)
            if target is None:
                continue
            pred = self.heads[spec.pred].resize(outputs[spec.pred], target.shape[-2:])
            extra = {k: outputs[v] for k, v in spec.extra.items()}
            raw[name] = self.losses[module_key(name)](pred, target, valid_mask(spec.target, target), **extra)
        raw.update(aux_losses)
        if not raw:
            raise KeyError(f'No loss could be computed: the batch has targets '
                           f'{sorted(k for k in data_samples if k != "meta")}, the losses need '
                           f'{sorted(set(self.required_targets().values()))}')
        weighted, logs = self.combiner(raw)
        result = {f'loss_{name}': value for name, value in weighted.items()}
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
