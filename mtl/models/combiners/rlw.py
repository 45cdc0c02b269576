"""Random Loss Weighting (Lin et al., "Reasonable Effectiveness of Random Weighting: A
Litmus Test for Multi-Task Learning", TMLR 2022, Sec. 3, normal distribution).

Every training step draws λ̃ ~ N(0, I_K) and weighs the losses with λ = softmax(λ̃):
L = Σ_k λ_k L_k. The draws come from a generator seeded with ``seed`` plus the step
count (a buffer, saved in checkpoints), so DDP ranks draw the same weights and a
resumed run continues the sequence. Outside training the weights are 1/K.
"""
from typing import Dict, Sequence

import torch

from mtl.models.base import Combiner
from mtl.registry import MODELS


@MODELS.register_module()
class RandomLossWeighting(Combiner):

    def __init__(self, loss_names: Sequence[str], seed: int = 0):
        super().__init__()
        self.names, self.seed = list(loss_names), int(seed)
        self.register_buffer('step', torch.zeros((), dtype=torch.long))

    def draw(self) -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.seed + int(self.step))
        return torch.softmax(torch.randn(len(self.names), generator=generator), 0)

    def forward(self, losses: Dict[str, torch.Tensor]):
        if self.training and torch.is_grad_enabled():
            weights = self.draw()
            self.step += 1
        else:
            weights = torch.full((len(self.names),), 1.0 / len(self.names))
        index = {n: i for i, n in enumerate(self.names)}
        weighted = {n: float(weights[index[n]]) * v for n, v in losses.items()}
        return weighted, {f'weight.{n}': weights[index[n]] for n in losses}
