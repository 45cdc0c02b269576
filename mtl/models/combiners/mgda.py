"""MGDA: the multiple-gradient descent algorithm as multi-objective optimisation (Sener &
Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018, Eq. 3 and
Algorithm 2).

The shared parameters get d = Σ_i α_i g_i with α the minimiser of ‖Σ_i α_i g_i‖² over the
simplex (α_i ≥ 0, Σ α_i = 1), found by Frank-Wolfe with the exact line search of
Algorithm 1 (for two losses that search is the closed form
α = clip((g_2 − g_1)·g_2 / ‖g_1 − g_2‖², 0, 1), reached in one step). Sener & Koltun's
MGDA-UB takes the g_i at the shared representation instead of the shared parameters to
save backward passes; here they are the shared-parameter gradients of the combiner
contract, i.e. the exact MGDA problem. ``normalization='l2'`` divides each g_i by its norm
first (their gradient normalisation, Sec. 3.2 of the supplement); ``'none'`` keeps them.
"""
from typing import List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.registry import MODELS

NORMALIZATIONS = ('none', 'l2')


def min_norm_weights(gram: torch.Tensor, iterations: int = 250, tol: float = 1e-8) -> torch.Tensor:
    """α on the simplex minimising αᵀ M α for a Gram matrix M (Frank-Wolfe, exact line search)."""
    alpha = torch.full((len(gram),), 1.0 / len(gram), dtype=gram.dtype)
    for _ in range(iterations):
        vertex = int(torch.argmin(gram @ alpha))
        # line search between alpha (u) and the vertex e (v): min_γ ‖(1-γ)u + γv‖²
        uu, uv, vv = alpha @ gram @ alpha, alpha @ gram[vertex], gram[vertex, vertex]
        denom = uu - 2 * uv + vv
        gamma = 1.0 if denom <= 0 else float(((uu - uv) / denom).clamp(0, 1))
        update = -gamma * alpha
        update[vertex] += gamma
        alpha = alpha + update
        if update.abs().sum() < tol:
            break
    return alpha


@MODELS.register_module()
class MGDA(GradientCombiner):

    def __init__(self, loss_names: Sequence[str], normalization: str = 'none'):
        super().__init__(loss_names)
        if normalization not in NORMALIZATIONS:
            raise ValueError(f'model.combiner.normalization must be one of {NORMALIZATIONS}, '
                             f'got "{normalization}"')
        self.normalization = normalization

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        if self.normalization == 'l2':
            grads = grads / grads.norm(dim=1, keepdim=True).clamp_min(1e-20)
        alpha = min_norm_weights(grads.double() @ grads.double().T).to(grads.dtype)
        return alpha @ grads, {f'weight.{n}': a for n, a in zip(names, alpha)}
