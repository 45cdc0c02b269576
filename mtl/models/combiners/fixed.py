"""Fixed loss weights: L = Σ_i w_i L_i (equal weights when none are given)."""
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
    ``--cfg-options model.combiner.weights.seg.ce=0.5`` works (it wins over a flat entry)."""

    def __init__(self, loss_names: Sequence[str], weights: Optional[Mapping[str, float]] = None,
                 default: float = 1.0):
        super().__init__()
        weights = flatten_loss_mapping(weights, 'model.combiner.weights')
        unknown = sorted(set(weights) - set(loss_names))
        if unknown:
            raise KeyError(f'weights name losses that do not exist: {unknown}; losses are '
                           f'{sorted(loss_names)}')
        self.weights = {name: float(weights.get(name, default)) for name in loss_names}

    def forward(self, losses: Dict[str, torch.Tensor]):
        return {name: self.weights[name] * value for name, value in losses.items()}, {}
