"""Partial supervision: a sample that lacks a task's target gives no gradient to that
task's branch (Jiao et al., ECCV 2018, supplement §8: KITTI depth-only and Cityscapes
labels-only samples trained together, "the backpropagation of the semantic branch is
frozen" for an RGB-depth pair).

Two mechanisms together give this:

- the loss of a missing target is zero for that sample: ``mtl_collate`` fills the target
  with its invalid value and every loss masks invalid pixels;
- the cross-task paths are gated: before each training step this hook computes, per
  task, which samples carry a valid target and hands it to every module of the model
  that has ``set_task_presence`` (e.g. ``LateralSharingUnit``); such a module detaches
  task ``t``'s feature, for the samples lacking ``t``, wherever it feeds another task.

A sample "carries" a task when its target has at least one valid pixel.
"""
from typing import Dict

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

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

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        task_cfg = getattr(model, 'task_cfg', None)
        if not task_cfg or not isinstance(data_batch, dict) or 'img' not in data_batch:
            return
        presence = task_presence({t: cfg['target'] for t, cfg in task_cfg.items()}, data_batch)
        self._set(model, presence)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._set(model, None)

    @staticmethod
    def _set(model, presence) -> None:
        for module in model.modules():
            if hasattr(module, 'set_task_presence'):
                module.set_task_presence(presence)
