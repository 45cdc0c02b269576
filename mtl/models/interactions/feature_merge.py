"""Feature merge: the tasks' features at a boundary become one feature that every task
continues from (the merge-in network of Jiao et al., ECCV 2018, supplement §2, Fig. 2c:
"two sub-networks … merged into several shared layers for the final prediction").

The supplement does not say how the two sub-networks are merged; ``mode='sum'`` adds them
(x = Σ_t x_t), ``mode='mean'`` averages them (x = (1/T) Σ_t x_t). Both need equal widths
and keep them, so the shared layers after the merge (``MultiTaskModel(shared_stages=...)``)
have the width of the layers they replace. No parameters.
"""
from typing import Dict, Mapping, Sequence

import torch

from mtl.models.base import Interaction
from mtl.models.interactions._fusion import fused_tasks
from mtl.registry import MODELS

MODES = ('sum', 'mean')


@MODELS.register_module()
class FeatureMerge(Interaction):
    """Gives every task of ``tasks`` the same tensor: the sum (or mean) of their features."""

    def __init__(self, tasks: Sequence[str], channels: Mapping[str, int], mode: str = 'sum'):
        super().__init__()
        tasks, _ = fused_tasks('A feature merge', tasks, channels)
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self.tasks, self.mode = tasks, mode

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        merged = torch.stack([features[t] for t in self.tasks]).sum(0)  # (B, C, H, W)
        if self.mode == 'mean':
            merged = merged / len(self.tasks)
        return {t: merged for t in self.tasks}
