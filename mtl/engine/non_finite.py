"""Non-finite losses stop the run at the step they appear (or that step is skipped).

No paper; engineering (skipping bounded bad steps is what AMP's ``GradScaler`` does for
overflowing gradients). With a diverging learning rate the loss turns NaN; mmengine would
train on, save NaN checkpoints and let ``max_keep_ckpts`` delete the finite ones.

``NonFiniteLossHook`` guards the optimizer wrapper's ``update_params``: the total loss is
checked with one ``isfinite`` per step (a single device sync, on the sum that mmengine
back-propagates; each logged loss is only inspected once the total is bad; under
distributed training the flag is all-reduced, so that every rank skips or stops together
with this message, instead of the others failing in the gradient all-reduce). A bad step
is never applied to the weights. Then, before any checkpoint hook runs, the run stops with
the iteration, the names of the non-finite losses and the batch's sample ids, so nothing
non-finite is saved and no finite checkpoint is deleted for it; or, with
``max_skipped_steps=N``, the step is skipped with a warning, at most N times in a run.
``MTLRunner`` adds this hook (skipping nothing) unless the config lists one.
"""
import math
from typing import List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from mtl.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def sample_ids(data_batch) -> List[str]:
    meta = data_batch.get('meta') if isinstance(data_batch, dict) else None
    if isinstance(meta, dict):  # pseudo_collate of dict samples
        return [str(i) for i in meta.get('sample_id', [])]
    return [str(m.get('sample_id', '?')) for m in meta or [] if isinstance(m, dict)]


def non_finite_names(log_vars: dict) -> List[str]:
    names = []
    for name, value in (log_vars or {}).items():
        value = float(value) if isinstance(value, (torch.Tensor, float, int)) else 0.0
        if not math.isfinite(value):
            names.append(name)
    return names


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Args:
        max_skipped_steps: how many steps with a non-finite loss may be skipped in a run
            before it stops; 0 (default) stops at the first.
    """

    priority = 'HIGH'  # after_train_iter before the checkpoint and logger hooks

    def __init__(self, max_skipped_steps: int = 0):
        if not isinstance(max_skipped_steps, int) or max_skipped_steps < 0:
            raise ValueError(f'NonFiniteLossHook.max_skipped_steps must be an integer >= 0, '
                             f'got {max_skipped_steps!r}')
        self.max_skipped_steps = max_skipped_steps
        self.skipped = 0
        self.bad_step = False
        self.batch_ids: List[str] = []

    def before_train(self, runner) -> None:
        wrapper = runner.optim_wrapper
        update_params = wrapper.update_params

        def guarded_update_params(loss, *args, **kwargs):
            bad = (~torch.isfinite(loss.detach())).any().float().reshape(1)
            if get_world_size() > 1:  # every rank skips or stops together
                all_reduce(bad, op='max')
            self.bad_step = bool(bad.item())
            return None if self.bad_step else update_params(loss, *args, **kwargs)

        wrapper.update_params = guarded_update_params

    def after_train(self, runner) -> None:
        del runner.optim_wrapper.update_params  # the class's method again

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self.bad_step = False
        self.batch_ids = sample_ids(data_batch)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not self.bad_step:
            return
        names = non_finite_names(outputs) or ['loss (the total)']
        where = (f'iteration {runner.iter + 1}: non-finite {", ".join(names)} on samples '
                 f'{self.batch_ids or "(no sample ids in the batch)"}')
        if self.skipped < self.max_skipped_steps:
            self.skipped += 1
            runner.logger.warning(f'Skipped {where} ({self.skipped} of at most '
                                  f'{self.max_skipped_steps} skipped steps); weights unchanged.')
            return
        raise NonFiniteLossError(
            f'Training stopped at {where}. The weights were not updated with it and no '
            f'checkpoint was written for it (earlier checkpoints are kept). Usual causes: a '
            f'learning rate too high for this setup (lower optim_wrapper.optimizer.lr or add '
            f'warm-up), or a bad sample. To skip a few such steps instead, add '
            f'dict(type="NonFiniteLossHook", max_skipped_steps=N) to custom_hooks.')
