"""Fails before the first iteration when a head, loss or metric disagrees with the dataset.

The dataset's base config states its values once (class count, depth range, ignore index)
and they reach the dataset's ``metainfo``; heads, losses and metrics that restate one
report it through ``dataset_values()`` (``mtl.models.base``, ``mtl/evaluation``). This hook
compares them and names both config keys, e.g. ``model.tasks.seg.head: num_classes=13, but
train_dataloader.dataset metainfo has 40 classes``. No paper equation applies.
"""
from typing import Dict, List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mtl.evaluation.dataset_values import DatasetValuesMetric
from mtl.models.base import TaskModel
from mtl.registry import HOOKS
from mtl.structures import metainfo_values

FIX = ('State each value once in the dataset\'s base config (configs/_base_/datasets/) and '
       'refer to it, e.g. num_classes={{_base_.num_classes}}; metrics may leave it out and '
       'read it from the dataset.')


def describe(key: str, metainfo: dict) -> str:
    """How a dataset's metainfo states the value ``key`` (for error messages)."""
    if key == 'num_classes':
        return f'{metainfo_values(metainfo)["num_classes"]} classes'
    if key in ('min_depth', 'max_depth'):
        return f'depth_range={tuple(metainfo["depth_range"])}'
    return f'{key}={metainfo[key]}'


def disagreements(components: Dict[str, dict], metainfo: Optional[dict],
                  dataset_key: str) -> List[str]:
    """One line per value of ``components`` (``{config key: {value key: value}}``) that
    contradicts ``metainfo``; values the metainfo does not state are not compared."""
    known = metainfo_values(metainfo)
    return [f'{key}.{name}={value}, but {dataset_key} metainfo has {describe(name, metainfo)}'
            for key, values in components.items() for name, value in values.items()
            if name in known and known[name] != value]


def metric_values(loop, evaluator_key: str, cfg) -> Dict[str, dict]:
    """``{config key: dataset values}`` of the loop's metrics that restate dataset values."""
    metrics = loop.evaluator.metrics
    indexed = isinstance(cfg.get(evaluator_key), (list, tuple))
    return {f'{evaluator_key}[{i}]' if indexed else evaluator_key: metric.dataset_values()
            for i, metric in enumerate(metrics) if isinstance(metric, DatasetValuesMetric)}


@HOOKS.register_module()
class DatasetMetaCheckHook(Hook):
    """Checks the model's and the metrics' dataset values against the datasets' metainfo."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        problems = self._model_problems(runner, runner.train_dataloader.dataset,
                                        'train_dataloader.dataset')
        if runner.val_loop is not None:
            problems += self._loop_problems(runner, runner.val_loop, 'val')
        self._raise(problems)

    def before_val(self, runner) -> None:
        self._raise(self._loop_problems(runner, runner.val_loop, 'val'))

    def before_test(self, runner) -> None:
        loop = runner.test_loop
        self._raise(self._model_problems(runner, loop.dataloader.dataset,
                                         'test_dataloader.dataset')
                    + self._loop_problems(runner, loop, 'test'))

    @staticmethod
    def _model_problems(runner, dataset, dataset_key: str) -> List[str]:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(model, TaskModel):
            return []
        return disagreements(model.dataset_values(), getattr(dataset, 'metainfo', None),
                             dataset_key)

    @staticmethod
    def _loop_problems(runner, loop, split: str) -> List[str]:
        metainfo = getattr(loop.dataloader.dataset, 'metainfo', None)
        return disagreements(metric_values(loop, f'{split}_evaluator', runner.cfg), metainfo,
                             f'{split}_dataloader.dataset')

    @staticmethod
    def _raise(problems: List[str]) -> None:
        if problems:
            raise ValueError('The config disagrees with the dataset:\n  ' + '\n  '.join(problems)
                             + f'\n{FIX}')
