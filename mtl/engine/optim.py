"""Optimizer wrapper pieces: per-module learning-rate multipliers and CPU autocast.

No paper: training plumbing, no equation applies.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from mtl.models.base import lr_multiplier
from mtl.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MTLOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, plus:

    - every sub-module that declares an ``lr_mult`` (``mtl.models.base.lr_multiplier``;
      e.g. cross-stitch units, whose α Misra et al. train 10²–10³× faster) gets that
      learning-rate multiplier, unless ``paramwise_cfg.custom_keys`` already sets one for it;
    - ``paramwise_cfg.named_groups=True`` asks for one parameter group per parameter
      (as any other paramwise option does), for staged training (``TrainingStagesHook``);
    - with one group per parameter, each group carries ``param_name`` (the dotted
      parameter name) and ``lr_mult`` (its lr over the base lr), which survive
      checkpoints, and every parameter is in the optimizer, also those frozen
      (``requires_grad=False``) when it is built: mmengine would leave them out, and
      unfreezing them later would then silently train nothing. A frozen parameter gets
      no gradient, so the optimizer leaves it untouched;
    - with any paramwise option, a parameter of a module that several parents hold (branch
      stages shared by tasks, ``MultiTaskModel(shared_stages=...)``) is added once, under
      its first name (mmengine's ``bypass_duplicate``, on by default here).

    Without any paramwise option or ``lr_mult``, mmengine's single group is built.
    Without ``named_groups``, mmengine's one-group-per-parameter is merged into one group
    per distinct set of hyper-parameters (e.g. decay / no decay: 2 groups instead of 88
    for the main job), which computes the same step with fewer per-group loops
    (``tools/benchmark.py overhead`` measures the difference).
    """

    def __call__(self, model: torch.nn.Module):
        module = model.module if hasattr(model, 'module') else model
        paramwise = dict(self.paramwise_cfg)
        named = paramwise.pop('named_groups', False)
        custom_keys = dict(paramwise.get('custom_keys', {}))
        for name, sub in module.named_modules():
            lr_mult = lr_multiplier(sub)
            if name and lr_mult is not None and f'{name}.' not in custom_keys:
                custom_keys[f'{name}.'] = dict(lr_mult=lr_mult)
        if custom_keys or named:  # a non-empty paramwise_cfg: one group per parameter
            paramwise['custom_keys'] = custom_keys
        if paramwise:
            paramwise.setdefault('bypass_duplicate', True)
        self.paramwise_cfg = paramwise
        if not paramwise:
            return super().__call__(model)
        frozen = [p for p in module.parameters() if not p.requires_grad]
        for param in frozen:
            param.requires_grad_(True)
        try:
            wrapper = super().__call__(model)
        finally:
            for param in frozen:
                param.requires_grad_(False)
        if named:
            name_param_groups(wrapper.optimizer, module, self.base_lr)
        else:
            merge_param_groups(wrapper.optimizer)
        return wrapper


def merge_param_groups(optimizer: torch.optim.Optimizer) -> None:
    """Merge the groups whose hyper-parameters are all equal, in order of first appearance."""
    merged = {}
    for group in optimizer.param_groups:
        key = repr(sorted((k, v) for k, v in group.items() if k != 'params'))
        if key in merged:
            merged[key]['params'].extend(group['params'])
        else:
            merged[key] = dict(group, params=list(group['params']))
    optimizer.param_groups[:] = list(merged.values())


def name_param_groups(optimizer: torch.optim.Optimizer, module: torch.nn.Module,
                      base_lr: float) -> None:
    """Add ``param_name`` and ``lr_mult`` to every single-parameter group."""
    names = {id(p): n for n, p in module.named_parameters()}
    for group in optimizer.param_groups:
        if len(group['params']) == 1 and id(group['params'][0]) in names:
            group['param_name'] = names[id(group['params'][0])]
            group['lr_mult'] = group['lr'] / base_lr if base_lr else 1.0


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """Mixed precision on the CPU: forward passes under ``torch.autocast('cpu', bfloat16)``.

    mmengine's ``AmpOptimWrapper`` refuses to run without CUDA; bf16 needs no loss
    scaling, so the plain optimizer step is kept.
    """

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
            yield
