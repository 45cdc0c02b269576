"""Fails before the first iteration when a loss needs a target the dataset never has.

No paper: a configuration check, no equation applies.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mtl.models.base import TaskModel
from mtl.registry import HOOKS


def sample_keys(dataset) -> set:
    """Target keys of the dataset's samples: its declared ``targets`` if any, plus what
    its first sample (after the pipeline, so derived targets count) holds."""
    keys = set(getattr(dataset, 'metainfo', {}).get('targets', ()))
    if len(dataset):
        keys |= set(dataset[0]) - {'img', 'meta'}
    return keys


@HOOKS.register_module()
class TargetCheckHook(Hook):
    """Checks the model's ``required_targets()`` against the training set's targets
    (models that do not implement ``mtl.models.base.TaskModel`` declare none)."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(model, TaskModel):
            return
        dataset = runner.train_dataloader.dataset
        available = sample_keys(dataset)
        for name, target in model.required_targets().items():
            if target not in available:
                raise KeyError(
                    f'model.losses["{name}"] needs the target "{target}", which '
                    f'{type(dataset).__name__} never provides (its samples have '
                    f'{sorted(available)}). Remove the loss, or add a transform to '
                    f'train_dataloader.dataset.pipeline that derives "{target}".')
