"""Fixed loss weights: L = Σ_i w_i L_i (equal weights when none are given).

No paper: the weighted sum that every multi-task paper starts from.
"""
from typing import Dict, Mapping, Optional, Sequence

import torch

from mtl.models.base import Combiner
from mtl.registry import MODELS
from mtl.utils.loss_names import flatten_loss_mapping


@MODELS.register_module()
class FixedWeighting(Combiner):
    """``weights`` maps loss names (``'depth.berhu'``) to constants; names not listed get
    ``default``. A weight for a loss that does not exist is a configuration error. The
    nested form ``{'seg': {'ce': 0.5}}`` is accepted too, so that
    ``--cfg-options model.combiner.weights.seg.ce=0.5`` works (it wins over a flat entry).
    A training stage may replace some weights (:meth:`set_stage_weights`)."""

    def __init__(self, loss_names: Sequence[str], weights: Optional[Mapping[str, float]] = None,
                 default: float = 1.0):
        super().__init__()
        weights = flatten_loss_mapping(weights, 'model.combiner.weights')
        check_names(weights, loss_names, 'weights')
        self.configured = {name: float(weights.get(name, default)) for name in loss_names}
        self.weights = dict(self.configured)

    def set_stage_weights(self, weights: Mapping[str, float]) -> None:
        check_names(weights, self.configured, 'stage loss weights')
        self.weights = {**self.configured, **{n: float(w) for n, w in weights.items()}}

    def stage_weights(self) -> Dict[str, float]:
        return dict(self.weights)

    def forward(self, losses: Dict[str, torch.Tensor]):
        return {name: self.weights[name] * value for name, value in losses.items()}, {}


def check_names(weights: Mapping[str, float], loss_names, what: str) -> None:
    unknown = sorted(set(weights) - set(loss_names))
    if unknown:
        raise KeyError(f'{what} name losses that do not exist: {unknown}; losses are '
                       f'{sorted(loss_names)}')
