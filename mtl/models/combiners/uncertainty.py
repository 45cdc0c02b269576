"""Homoscedastic-uncertainty loss weighting, learned with the network.

* ``'kendall'`` (Kendall, Gal & Cipolla, CVPR 2018, Eqs. 7 and 10 in s = log σ² form):
  regression 0.5·exp(−s)·L + 0.5·s, classification exp(−s)·L + 0.5·s. This is also what
  the released MultiDepth code trains with: MultiDepth's Eq. 3 prints exp(−s²), a typo
  under which the regulariser lets the loss run to −∞.
* ``'liebel'`` (Liebel & Körner 2018, "Auxiliary Tasks in Multi-task Learning"):
  0.5 / c² · L + ln(1 + c²), whose regulariser stays positive.

One learned scalar per loss, initialised to ``init`` (s for kendall, c for liebel).
The effective weights are logged every iteration as ``weight.<loss name>``. With Adam a
scalar moves by at most about one learning rate per step, so on short schedules the
weights stay near their start; ``lr_mult`` (read by ``MTLOptimWrapperConstructor``)
lets them reach their equilibrium (w = 0.5 / L for kendall) within the budget.
"""
from typing import Dict, Mapping, Optional, Sequence

import torch
from torch import nn

from mtl.models.base import Combiner
from mtl.registry import MODELS

VARIANTS = ('kendall', 'liebel')
TASK_TYPES = ('regression', 'classification')


@MODELS.register_module()
class UncertaintyWeighting(Combiner):
    """Args:
        loss_names: filled by the model.
        loss_types: ``{name: 'regression'|'classification'}``, filled by the model from
            each loss's ``task_type``; ``task_types`` in the config overrides entries.
        variant: ``'kendall'`` or ``'liebel'``.
        init: initial s (kendall; 0 means weight 1) or c (liebel; 1 means weight 0.5).
        learned: a subset of loss names to weight; the others pass through unweighted.
        lr_mult: learning-rate multiplier of the weights (None: the base rate).
    """

    def __init__(self, loss_names: Sequence[str], loss_types: Optional[Mapping[str, str]] = None,
                 task_types: Optional[Mapping[str, str]] = None, variant: str = 'kendall',
                 init: Optional[float] = None, learned: Optional[Sequence[str]] = None,
                 lr_mult: Optional[float] = None):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'variant must be one of {VARIANTS}, got "{variant}"')
        learned = list(loss_names if learned is None else learned)
        types = {**dict(loss_types or {}), **dict(task_types or {})}
        unknown = sorted((set(learned) | set(task_types or {})) - set(loss_names))
        if unknown:
            raise KeyError(f'UncertaintyWeighting names losses that do not exist: {unknown}; '
                           f'losses are {sorted(loss_names)}')
        bad = {n: types.get(n) for n in learned if types.get(n, 'regression') not in TASK_TYPES}
        if bad:
            raise ValueError(f'task types must be one of {TASK_TYPES}, got {bad}')
        self.variant, self.lr_mult = variant, lr_mult
        self.classification = {n: types.get(n) == 'classification' for n in learned}
        start = (0.0 if variant == 'kendall' else 1.0) if init is None else float(init)
        if variant == 'liebel' and start == 0:
            raise ValueError('variant "liebel" weights a loss by 0.5 / c²: init (c) must not be 0')
        self.params = nn.ParameterDict({key(n): nn.Parameter(torch.tensor(start)) for n in learned})

    def weight_and_regulariser(self, name: str):
        p = self.params[key(name)]
        if self.variant == 'liebel':
            return 0.5 / p ** 2, torch.log1p(p ** 2)
        scale = 1.0 if self.classification[name] else 0.5
        return scale * torch.exp(-p), 0.5 * p

    def forward(self, losses: Dict[str, torch.Tensor]):
        weighted, logs = {}, {}
        for name, value in losses.items():
            if name not in self.classification:
                weighted[name] = value
                continue
            weight, regulariser = self.weight_and_regulariser(name)
            weighted[name] = weight * value + regulariser
            logs[f'weight.{name}'] = weight.detach()
        return weighted, logs


def key(name: str) -> str:
    """ParameterDict keys may not contain dots."""
    return name.replace('.', '__')
