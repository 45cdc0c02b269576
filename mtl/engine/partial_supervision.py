"""Partial supervision: a sample that lacks a task's target gives no gradient to that
task's branch (Jiao et al., ECCV 2018, supplement §8: KITTI depth-only and Cityscapes
labels-only samples trained together, "the backpropagation of the semantic branch is
frozen" for an RGB-depth pair).

Two mechanisms together give this:

- the loss of a missing target is zero for that sample: ``mtl_collate`` fills the target
  with its invalid value and every loss masks invalid pixels;
- the cross-task paths are gated: before each training step this hook computes, per
  task (the model's ``task_targets()``), which samples carry a valid target and hands
  it to every module that implements ``mtl.models.base.TaskGated`` (e.g.
  ``LateralSharingUnit``); such a module detaches task ``t``'s feature, for the samples
  lacking ``t``, wherever it feeds another task.

A sample "carries" a task when its target has at least one valid pixel.
"""
from typing import Dict

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mtl.models.base import TaskGated, TaskModel
from mtl.registry import HOOKS
from mtl.structures import valid_mask


def task_presence(task_targets: Dict[str, str], batch: dict) -> Dict[str, torch.Tensor]:
    """``{task: bool (B,)}``: which samples of a collated batch have a valid target."""
    size = len(batch['img'])
    presence = {}
    for task, key in task_targets.items():
        target = batch.get(key)
        if target is None:
            presence[task] = torch.zeros(size, dtype=torch.bool)
        else:
            presence[task] = valid_mask(key, target).flatten(1).any(1).cpu()
    return presence


@HOOKS.register_module()
class PartialSupervisionHook(Hook):
    """Sets the task presence of gating modules for each training step, and clears it
    after the step (validation and testing are not gated)."""

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        model = _unwrap(runner.model)
        if not isinstance(model, TaskModel):
            raise TypeError(f'PartialSupervisionHook needs a model that implements '
                            f'mtl.models.base.TaskModel (such as MultiTaskModel), got '
                            f'{type(model).__name__}')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if not isinstance(data_batch, dict) or 'img' not in data_batch:
            return
        model = _unwrap(runner.model)
        self._set(model, task_presence(model.task_targets(), data_batch))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._set(_unwrap(runner.model), None)

    @staticmethod
    def _set(model: TaskModel, presence) -> None:
        for _, module in model.modules_implementing(TaskGated):
            module.set_task_presence(presence)


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model
