"""Nash-MTL: multi-task learning as a bargaining game (Navon et al., "Multi-Task Learning
as a Bargaining Game", ICML 2022, Theorem 5.1 / Eq. 2).

The shared parameters get d = Σ_i α_i g_i with α > 0 the solution of Gᵀ G α = 1/α
(element-wise), G = [g_1, …, g_T]: every loss gets the same "utility" α_i (g_i · d) = 1.
For orthogonal gradients α_i = 1 / ‖g_i‖. The paper approximates the solution with a
sequence of convex programs (cvxpy); here it is exact: α minimises the strictly convex
f(α) = ½ αᵀ M α − Σ_i log α_i (M = G Gᵀ; ∇f = 0 is the equation above), solved by damped
Newton steps that keep α > 0, warm-started from the previous step's α (a buffer, saved
in checkpoints). Unlike the authors' code, M is not normalised and d is not clipped, so
d has the paper's scale.
"""
from typing import List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.registry import MODELS


def bargaining_solution(gram: torch.Tensor, start: torch.Tensor, iterations: int = 100,
                        tol: float = 1e-10) -> torch.Tensor:
    """α > 0 with (M α)_i = 1 / α_i, by damped Newton on ½ αᵀMα − Σ log α."""
    gram = gram + 1e-10 * gram.diagonal().mean() * torch.eye(len(gram), dtype=gram.dtype)

    def objective(a):
        return 0.5 * a @ gram @ a - torch.log(a).sum()

    alpha = start.clone()
    for _ in range(iterations):
        grad = gram @ alpha - 1 / alpha
        if grad.abs().max() < tol:
            break
        step = torch.linalg.solve(gram + torch.diag(alpha.pow(-2)), grad)
        scale, value = 1.0, objective(alpha)
        while bool(((alpha - scale * step) <= 0).any()) or objective(alpha - scale * step) > value:
            scale /= 2
            if scale < 1e-12:
                return alpha
        alpha = alpha - scale * step
    return alpha


@MODELS.register_module()
class NashMTL(GradientCombiner):

    def __init__(self, loss_names: Sequence[str]):
        super().__init__(loss_names)
        self.register_buffer('alpha', torch.ones(len(loss_names), dtype=torch.float64))

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        gram = grads.double() @ grads.double().T
        start = self.alpha if bool((self.alpha > 0).all()) else torch.ones_like(self.alpha)
        self.alpha = bargaining_solution(gram, start.to(gram.device))
        alpha = self.alpha.to(grads.dtype)
        return alpha @ grads, {f'weight.{n}': a for n, a in zip(names, alpha)}
