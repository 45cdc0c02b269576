"""Dynamic Weight Average (Liu, Johns & Davison, "End-to-End Multi-Task Learning with
Attention", CVPR 2019, Eq. 7).

w_k(t) = K exp(r_k(t−1) / T) / Σ_i exp(r_i(t−1) / T), r_k(t−1) = L_k(t−1) / L_k(t−2),
where L_k(t) is loss k's mean over period (epoch) t, K the number of losses and T the
temperature (2 in the paper); w_k = 1 for the first two periods. A period is ``period``
training iterations (set it to the iterations per epoch for the paper's epochs). The
period means are averaged over DDP processes; they, the running sums and the period
count are buffers, so a resumed run continues the schedule. Losses absent from a batch
are left out of that batch's means.
"""
from typing import Dict, Sequence

import torch

from mtl.models.base import Combiner
from mtl.models.gradients import all_average
from mtl.registry import MODELS


@MODELS.register_module()
class DynamicWeightAverage(Combiner):
    """Args: ``period`` (training iterations per period), ``temperature`` (T)."""

    def __init__(self, loss_names: Sequence[str], period: int, temperature: float = 2.0):
        super().__init__()
        if int(period) < 1 or temperature <= 0:
            raise ValueError(f'model.combiner: period must be >= 1 and temperature > 0, got '
                             f'period={period}, temperature={temperature}')
        self.names, self.period, self.temperature = list(loss_names), int(period), float(temperature)
        k = len(self.names)
        self.register_buffer('history', torch.ones(2, k, dtype=torch.float64))  # L(t-2), L(t-1)
        self.register_buffer('sums', torch.zeros(2, k, dtype=torch.float64))    # Σ L, count
        self.register_buffer('periods', torch.zeros((), dtype=torch.long))
        self.register_buffer('iterations', torch.zeros((), dtype=torch.long))

    def current_weights(self) -> torch.Tensor:
        if int(self.periods) < 2:
            return torch.ones(len(self.names), dtype=torch.float64)
        ratios = self.history[1] / self.history[0].clamp_min(1e-20)
        return len(self.names) * torch.softmax(ratios / self.temperature, 0)

    def accumulate(self, losses: Dict[str, torch.Tensor]) -> None:
        step = torch.zeros_like(self.sums)
        for i, name in enumerate(self.names):
            if name in losses:
                step[:, i] = torch.stack([losses[name].detach().double().cpu(), torch.ones((), dtype=torch.float64)])
        self.sums += all_average(step.to(self.sums.device))
        self.iterations += 1
        if int(self.iterations) % self.period == 0:
            means = self.sums[0] / self.sums[1].clamp_min(1e-20)
            self.history = torch.stack([self.history[1], torch.where(self.sums[1] > 0, means, self.history[1])])
            self.sums.zero_()
            self.periods += 1

    def forward(self, losses: Dict[str, torch.Tensor]):
        weights = self.current_weights()
        if self.training and torch.is_grad_enabled():
            self.accumulate(losses)
        index = {n: i for i, n in enumerate(self.names)}
        weighted = {n: float(weights[index[n]]) * v for n, v in losses.items()}
        return weighted, {f'weight.{n}': weights[index[n]].float() for n in losses}
