"""GradNorm: gradient normalisation for adaptive loss balancing (Chen et al., ICML 2018,
Eqs. 1–2).

Loss i gets a learned weight w_i (sum fixed to T). With G_i = ‖∇_W w_i L_i‖, its mean
Ḡ, the inverse training rate r_i = L̃_i / mean_j L̃_j, L̃_i = L_i(t) / L_i(0), the weights
descend L_grad = Σ_i |G_i − [Ḡ r_i^α]| (the bracket held constant), then are renormalised
to Σ w_i = T. W are the shared parameters of the combiner contract (the paper takes the
last shared layer to save time; the gradients here are there anyway). Since
G_i = w_i ‖g_i‖, ∂L_grad/∂w_i = sign(G_i − Ḡ r_i^α) ‖g_i‖; the step is plain gradient
descent with rate ``lr``. The shared parameters get Σ_i w_i g_i, the others the gradient
of Σ_i w_i L_i. L(0) is the first training step's losses; w and L(0) are buffers (saved in
checkpoints); the losses are averaged over DDP processes.
"""
from typing import Dict, List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.models.gradients import all_average
from mtl.registry import MODELS


@MODELS.register_module()
class GradNorm(GradientCombiner):
    """Args: ``alpha`` (the asymmetry α; 1.5 on NYUv2), ``lr`` (the weights' step size)."""

    def __init__(self, loss_names: Sequence[str], alpha: float = 1.5, lr: float = 0.025):
        super().__init__(loss_names)
        self.alpha, self.lr = float(alpha), float(lr)
        k = len(self.loss_names)
        self.register_buffer('weights', torch.ones(k, dtype=torch.float64))
        self.register_buffer('initial', torch.full((k,), float('nan'), dtype=torch.float64))
        self.register_buffer('current', torch.ones(k, dtype=torch.float64))

    def forward(self, losses: Dict[str, torch.Tensor]):
        if self.training and torch.is_grad_enabled():
            values = torch.stack([losses[n].detach().double() for n in self.loss_names])
            self.current = all_average(values.to(self.current.device))
            if bool(torch.isnan(self.initial).any()):
                self.initial = self.current.clone()
        index = {n: i for i, n in enumerate(self.loss_names)}
        weighted = {n: float(self.weights[index[n]]) * v for n, v in losses.items()}
        return weighted, {f'weight.{n}': self.weights[index[n]].float() for n in losses}

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        combined = grads.sum(0)  # the rows are the gradients of w_i L_i
        norms = grads.double().norm(dim=1).cpu()                      # G_i = w_i ‖g_i‖
        weights = self.weights.cpu()
        ratios = (self.current / self.initial.clamp_min(1e-20)).cpu()
        target = norms.mean() * (ratios / ratios.mean()) ** self.alpha
        unit_norms = norms / weights.clamp_min(1e-20)                 # ‖g_i‖
        weights = (weights - self.lr * torch.sign(norms - target) * unit_norms).clamp_min(1e-6)
        self.weights = (weights * len(weights) / weights.sum()).to(self.weights.device)
        return combined, {}
