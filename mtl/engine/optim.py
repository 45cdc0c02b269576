"""Optimizer wrapper pieces: per-module learning-rate multipliers and CPU autocast."""
from contextlib import contextmanager

import torch
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from mtl.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MTLOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, plus: every sub-module with an ``lr_mult``
    attribute (e.g. cross-stitch units, whose α Misra et al. train 10²–10³× faster) gets
    that learning-rate multiplier, unless ``paramwise_cfg.custom_keys`` already sets one
    for it."""

    def __call__(self, model: torch.nn.Module):
        module = model.module if hasattr(model, 'module') else model
        custom_keys = dict(self.paramwise_cfg.get('custom_keys', {}))
        for name, sub in module.named_modules():
            lr_mult = getattr(sub, 'lr_mult', None)
            if name and lr_mult is not None and f'{name}.' not in custom_keys:
                custom_keys[f'{name}.'] = dict(lr_mult=float(lr_mult))
        if custom_keys:
            self.paramwise_cfg = dict(self.paramwise_cfg, custom_keys=custom_keys)
        return super().__call__(model)


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
