"""Single-task baselines derived from a multi-task config, for Δm.

Maninis et al. (CVPR 2019) and Vandenhende et al. (TPAMI 2021, Eq. 9) measure a multi-task
model against one single-task model per task "with the same backbone, schedule and data".
:func:`single_task_config` derives such a config for one evaluated (non-auxiliary) task
from the model's declarations alone, never from task or component names:

- ``model.tasks``: only the task (its branch, head and deep-supervision heads);
- ``model.losses``: the losses whose prediction (``pred``, by default the owner in
  ``owner.what``) is one of the task's outputs (``task`` or ``task@k``) and whose ``extra``
  reads only the task's tensors or targets; a loss of the task that reads another task's
  tensor is a cross-task term and is dropped (and said so);
- ``model.interactions``: those that connect only the task and read only its tensors or
  targets; an interaction of several tasks, or one that reads another task, is dropped
  (and said so); the backbone and the neck are kept as they are (targets are data, the
  same for every task);
- ``model.combiner``: ``FixedWeighting``, with the multi-task config's fixed weights of the
  kept losses when it had fixed weights, else weight 1;
- ``val_evaluator`` / ``test_evaluator``: the metrics that score the task
  (:attr:`mtl.evaluation.scores.ScoredMetric.task`).

The schedule, data and runtime stay. A hook whose config names a removed part (a training
stage freezing another task's branch or weighing its loss, ``save_best`` on its metric)
cannot be followed by the baseline: that is an error naming the hook, as is a task that
keeps no loss or no metric. No paper's equation applies beyond the cited protocol.
"""
import copy
import re
from typing import Dict, Iterator, List, Mapping, Sequence, Tuple

from mmengine.config import Config

from mtl.models.builder import ConfigError
from mtl.models.named_tensors import TensorName, parse_name
from mtl.utils.loss_names import flatten_loss_mapping

FIXED = 'FixedWeighting'
HOOK_KEYS = ('default_hooks', 'custom_hooks')
EVALUATOR_KEYS = ('val_evaluator', 'test_evaluator')


def evaluated_tasks(model: Mapping) -> List[str]:
    """The tasks a multi-task config predicts (those not marked ``auxiliary``)."""
    return [t for t, cfg in model['tasks'].items() if not cfg.get('auxiliary', False)]


def foreign_reads(names: Mapping[str, object], task: str, where: str) -> List[str]:
    """The names among ``names`` (a reader's ``inputs``/``extra``, each a name or a list of
    names) of another task's tensors."""
    parsed = [parse_name(text, f'{where}.{kwarg}')
              for kwarg, value in names.items()
              for text in (value if isinstance(value, (list, tuple)) else [value])]
    return [name.text for name in parsed if name.kind != 'target' and name.task != task]


def split_losses(model: Mapping, task: str) -> Tuple[Dict[str, dict], List[str]]:
    """The task's losses, and a note for each cross-task loss of the task that is dropped."""
    kept, notes = {}, []
    for name, cfg in (model.get('losses') or {}).items():
        key = f'model.losses["{name}"]'
        pred: TensorName = parse_name(cfg.get('pred', name.split('.')[0]), f'{key}.pred')
        if pred.task != task:
            continue
        foreign = foreign_reads(cfg.get('extra') or {}, task, f'{key}.extra')
        if foreign:
            notes.append(f'dropped {key}: it reads {foreign} of other tasks')
        else:
            kept[name] = copy.deepcopy(cfg)
    return kept, notes


def split_interactions(model: Mapping, task: str) -> Tuple[Dict[str, dict], List[str]]:
    """The interactions of the task alone, and a note for each one of the task that is dropped
    (those of other tasks only are dropped silently, like the other tasks)."""
    kept, notes = {}, []
    for name, cfg in (model.get('interactions') or {}).items():
        key = f'model.interactions.{name}'
        tasks = list(cfg.get('tasks') or ())
        if task not in tasks:
            continue
        others = [t for t in tasks if t != task]
        foreign = foreign_reads(cfg.get('inputs') or {}, task, f'{key}.inputs')
        if others or foreign:
            why = [f'connects {tasks}'] * bool(others) + [f'reads {foreign}'] * bool(foreign)
            notes.append(f'dropped {key} ({cfg.get("type")}): it {" and ".join(why)}')
        else:
            kept[name] = copy.deepcopy(cfg)
    return kept, notes


def fixed_combiner(model: Mapping, losses: Sequence[str], interactions: Sequence[str]) -> dict:
    """``FixedWeighting``; the multi-task config's fixed weights of the kept losses (and of the
    kept interactions' and the neck's losses) when it had fixed weights, else weight 1."""
    combiner = dict(model.get('combiner') or dict(type=FIXED))
    if combiner.get('type') != FIXED:
        return dict(type=FIXED)
    weights = flatten_loss_mapping(combiner.get('weights') or {}, 'model.combiner.weights')
    owners = set(interactions) | {'neck'}
    kept = {n: w for n, w in weights.items() if n in losses or n.split('.')[0] in owners}
    return dict(type=FIXED, weights=kept, default=combiner.get('default', 1.0))


def single_task_model(model: Mapping, task: str) -> Tuple[dict, List[str]]:
    """The model config of ``task``'s single-task baseline, and notes on what was dropped."""
    tasks = model['tasks']
    if task not in tasks:
        raise ConfigError(f'--tasks {task}: the model has no task "{task}" (model.tasks: '
                          f'{list(tasks)})')
    if task not in evaluated_tasks(model):
        raise ConfigError(f'--tasks {task}: model.tasks.{task} is auxiliary (trained, never '
                          f'evaluated), so it has no baseline; evaluated: {evaluated_tasks(model)}')
    losses, notes = split_losses(model, task)
    interactions, dropped = split_interactions(model, task)
    notes += dropped
    if not losses:
        raise ConfigError(f'model.losses: no loss supervises task "{task}" on its own, so its '
                          f'single-task baseline would not train; {"; ".join(notes) or "none names it"}')
    derived = copy.deepcopy(dict(model))
    derived.update(tasks={task: copy.deepcopy(tasks[task])}, losses=losses,
                   interactions=interactions, combiner=fixed_combiner(model, list(losses), list(interactions)))
    return derived, notes


def metric_task(cfg: Mapping, key: str) -> str:
    """The task a metric config scores (the built metric's declared ``task``)."""
    from mtl.evaluation.scores import ScoredMetric
    from mtl.registry import METRICS
    metric = METRICS.build(dict(cfg))
    if not isinstance(metric, ScoredMetric):
        raise ConfigError(f'{key} ({cfg.get("type")}) does not declare the task it scores: a '
                          f'single-task baseline keeps the metrics of its task, which needs every '
                          f'metric to subclass mtl.evaluation.scores.ScoredMetric')
    return metric.task


def task_evaluator(evaluator, task: str, key: str):
    """``evaluator`` (a metric config or a list of them) restricted to ``task``'s metrics."""
    metrics = [evaluator] if isinstance(evaluator, Mapping) else list(evaluator)
    kept = [copy.deepcopy(m) for i, m in enumerate(metrics) if metric_task(m, f'{key}[{i}]') == task]
    if not kept:
        raise ConfigError(f'{key}: no metric scores task "{task}", so its baseline would have '
                          f'nothing to compare')
    return kept


def strings(value) -> Iterator[str]:
    """Every string in a config value, keys of mappings included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


def removed_parts(model: Mapping, derived: Mapping) -> set:
    """Names of what the baseline lacks: tasks and their outputs, losses, interactions."""
    outputs = {f'{t}@{k}' for t, cfg in model['tasks'].items() for k in cfg.get('deep_supervision', ())}
    before = set(model['tasks']) | outputs | set(model.get('losses') or {}) \
        | set(model.get('interactions') or {})
    kept = set(derived['tasks']) | set(derived['losses']) | set(derived['interactions']) \
        | {o for o in outputs if o.split('@')[0] in derived['tasks']}
    return before - kept


def check_hooks(cfg: Config, removed: set, task: str) -> None:
    """A hook whose config names a removed part: error naming the hook and the parts."""
    for key in HOOK_KEYS:
        hooks = cfg.get(key) or {}
        items = hooks.items() if isinstance(hooks, Mapping) else enumerate(hooks)
        for name, hook in items:
            found = sorted({s for s in strings(hook) if s in removed
                            or removed & set(re.split(r'[./]', s))})
            if found:
                raise ConfigError(
                    f'{key}[{name!r}] ({hook.get("type")}) names {found}, parts of the multi-task '
                    f'model that the single-task baseline of "{task}" does not have: it cannot '
                    f'follow this hook. Derive the baselines from a config without it (or give '
                    f'the baseline\'s own setting with --cfg-options).')


def single_task_config(cfg: Config, task: str) -> Tuple[Config, List[str]]:
    """The full config of ``task``'s baseline (module docstring) and notes on what was dropped."""
    model, notes = single_task_model(cfg.model, task)
    derived = copy.deepcopy(cfg)
    derived.model = model
    for key in EVALUATOR_KEYS:
        if cfg.get(key):
            derived[key] = task_evaluator(cfg[key], task, key)
    check_hooks(derived, removed_parts(cfg.model, model), task)
    return derived, notes
