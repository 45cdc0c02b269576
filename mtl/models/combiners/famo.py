"""FAMO: fast adaptive multitask optimization (Liu et al., "FAMO: Fast Adaptive Multitask
Optimization", NeurIPS 2023, Algorithm 1).

Weights z = softmax(ξ). The step descends Σ_i (z_i / c) log(L_i − b_i + ε) with
c = Σ_i z_i / (L_i − b_i + ε) held constant, i.e. the direction
Σ_i c⁻¹ z_i / (L_i − b_i + ε) ∇L_i (b_i: the losses' lower bounds ``min_losses``,
default 0). ξ then moves by ξ ← ξ − β (δ + γ ξ), δ = (∂z/∂ξ)ᵀ [log L_i(t) − log L_i(t+1)]
(the log-loss decrease it achieved), with β = ``lr`` (0.025) and γ = ``weight_decay``
(0.001) as in the paper. Algorithm 1 measures L(t+1) on the same batch after the update;
to avoid a second forward pass, this implementation takes the next training batch's
losses, as the authors' code also allows. The losses are averaged over DDP
processes before c, w and δ are computed, so all ranks keep the same ξ and the step
equals the single-process one on the global batch. ξ and the previous log losses are buffers
(saved in checkpoints). Every loss must be present in every batch.
"""
from typing import Dict, Optional, Sequence

import torch

from mtl.models.base import Combiner
from mtl.models.gradients import all_average
from mtl.registry import MODELS

EPS = 1e-8


@MODELS.register_module()
class FAMO(Combiner):

    def __init__(self, loss_names: Sequence[str], lr: float = 0.025, weight_decay: float = 0.001,
                 min_losses: Optional[Dict[str, float]] = None):
        super().__init__()
        self.names, self.lr, self.weight_decay = list(loss_names), float(lr), float(weight_decay)
        unknown = sorted(set(min_losses or {}) - set(self.names))
        if unknown:
            raise KeyError(f'model.combiner.min_losses names losses that do not exist: {unknown}; '
                           f'losses are {sorted(self.names)}')
        bounds = [float((min_losses or {}).get(n, 0.0)) for n in self.names]
        self.register_buffer('min_losses', torch.tensor(bounds, dtype=torch.float64))
        self.register_buffer('logits', torch.zeros(len(self.names), dtype=torch.float64))  # ξ
        self.register_buffer('previous', torch.full((len(self.names),), float('nan'), dtype=torch.float64))

    def shifted(self, losses: Dict[str, torch.Tensor]) -> torch.Tensor:
        missing = sorted(set(self.names) - set(losses))
        if missing:
            raise ValueError(f'FAMO weighs every loss in every batch; this batch has no {missing}')
        values = torch.stack([losses[n].detach().double().cpu() for n in self.names])
        shifted = values - self.min_losses.cpu()
        if bool((shifted < 0).any()):
            raise ValueError(f'FAMO takes log(L - min_losses): losses {dict(zip(self.names, values.tolist()))} '
                             f'fall below model.combiner.min_losses')
        return shifted + EPS

    def update(self, log_losses: torch.Tensor) -> None:
        """ξ ← ξ − β(δ + γξ) from the previous and the current log losses."""
        if not bool(torch.isnan(self.previous).any()):
            z = torch.softmax(self.logits, 0)
            delta = (torch.diag(z) - torch.outer(z, z)) @ (self.previous - log_losses)
            self.logits -= self.lr * (delta + self.weight_decay * self.logits)
        self.previous = log_losses

    def forward(self, losses: Dict[str, torch.Tensor]):
        shifted = all_average(self.shifted(losses).to(self.logits.device))
        if self.training and torch.is_grad_enabled():
            self.update(shifted.log())
        z = torch.softmax(self.logits, 0)
        weights = (z / ((z / shifted).sum() * shifted)).cpu()
        weighted = {n: float(weights[i]) * losses[n] for i, n in enumerate(self.names)}
        return weighted, {f'weight.{n}': weights[i].float() for i, n in enumerate(self.names)}
