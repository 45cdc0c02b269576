"""PCGrad: projecting conflicting gradients (Yu et al., "Gradient Surgery for Multi-Task
Learning", NeurIPS 2020, Algorithm 1).

For each loss i, in a random order of the others j: when g_i^PC · g_j < 0,
g_i^PC ← g_i^PC − (g_i^PC · g_j) / ‖g_j‖² · g_j (Eq. 1). The shared parameters get
Σ_i g_i^PC. The order is drawn from a generator seeded with ``seed`` and the step count
(a buffer, saved in checkpoints), so DDP ranks and resumed runs draw the same orders.
"""
from typing import List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.registry import MODELS


@MODELS.register_module()
class PCGrad(GradientCombiner):

    def __init__(self, loss_names: Sequence[str], seed: int = 0):
        super().__init__(loss_names)
        self.seed = int(seed)
        self.register_buffer('step', torch.zeros((), dtype=torch.long))

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        generator = torch.Generator().manual_seed(self.seed + int(self.step))
        self.step += 1
        projected = grads.clone()
        for i in range(len(grads)):
            for j in torch.randperm(len(grads), generator=generator).tolist():
                if j == i:
                    continue
                dot = projected[i] @ grads[j]
                if dot < 0:
                    projected[i] -= dot / grads[j].pow(2).sum().clamp_min(1e-20) * grads[j]
        return projected.sum(0), {}
