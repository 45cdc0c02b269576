"""CAGrad: conflict-averse gradient descent (Liu et al., "Conflict-Averse Gradient
Descent for Multi-task Learning", NeurIPS 2021, Eq. 3 and Algorithm 1).

With the mean gradient g_0 = (1/T) Σ_i g_i and φ = c² ‖g_0‖², find w on the simplex that
minimises F(w) = g_wᵀ g_0 + √φ ‖g_w‖ (g_w = Σ_i w_i g_i), then take
d = g_0 + (√φ / ‖g_w‖) g_w. c = 0 gives plain gradient descent on the mean loss. As in
the authors' code, w is found on the T × T Gram matrix by ``iterations`` steps of SGD
(learning rate 25, momentum 0.5) on softmax logits, and ``rescale=True`` returns
d / (1 + c²) (the authors' default ``rescale=1``); ``rescale=False`` returns d.
"""
from typing import List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.registry import MODELS


def conflict_averse_weights(gram: torch.Tensor, c: float, iterations: int) -> torch.Tensor:
    """w on the simplex minimising g_wᵀ g_0 + c ‖g_0‖ ‖g_w‖, on the Gram matrix."""
    mean_term = gram.mean(1)                      # (g_i · g_0)
    g0_norm = gram.mean().clamp_min(0).sqrt()      # ‖g_0‖
    logits = torch.zeros(len(gram), dtype=gram.dtype, requires_grad=True)
    optimizer = torch.optim.SGD([logits], lr=25, momentum=0.5)
    with torch.enable_grad():
        for _ in range(iterations):
            w = torch.softmax(logits, 0)
            objective = w @ mean_term + c * g0_norm * (w @ gram @ w + 1e-8).sqrt()
            optimizer.zero_grad()
            objective.backward()
            optimizer.step()
    return torch.softmax(logits, 0).detach()


@MODELS.register_module()
class CAGrad(GradientCombiner):
    """Args: ``c`` (the paper's c; 0.4 on NYUv2), ``rescale``, ``iterations``."""

    def __init__(self, loss_names: Sequence[str], c: float = 0.4, rescale: bool = True,
                 iterations: int = 20):
        super().__init__(loss_names)
        if c < 0:
            raise ValueError(f'model.combiner.c must be >= 0, got {c}')
        self.c, self.rescale, self.iterations = float(c), bool(rescale), int(iterations)

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        mean = grads.mean(0)
        if self.c == 0:
            return mean, {}
        gram = grads.double() @ grads.double().T
        w = conflict_averse_weights(gram, self.c, self.iterations).to(grads.dtype)
        g_w = w @ grads
        d = mean + self.c * mean.norm() / g_w.norm().clamp_min(1e-20) * g_w
        logs = {f'weight.{n}': v for n, v in zip(names, w)}
        return (d / (1 + self.c ** 2) if self.rescale else d), logs
