"""IMTL-G: impartial multi-task learning, gradient balance (Liu et al., "Towards
Impartial Multi-task Learning", ICLR 2021, Sec. 3.2, Eq. 7).

With unit vectors u_i = g_i / ‖g_i‖, D = [g_1 − g_2, …, g_1 − g_T]ᵀ and
U = [u_1 − u_2, …, u_1 − u_T]ᵀ, the weights α_{2:T} = g_1 Uᵀ (D Uᵀ)⁻¹,
α_1 = 1 − Σ_{i≥2} α_i give d = Σ_i α_i g_i, whose projections onto every u_i are equal
(d·u_i = d·u_j): no loss dominates the shared update. The loss-scale part of IMTL
(IMTL-L, learned log-scales) is not included.
"""
from typing import List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.registry import MODELS


@MODELS.register_module()
class IMTL(GradientCombiner):

    def __init__(self, loss_names: Sequence[str]):
        super().__init__(loss_names)

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        g = grads.double()
        u = g / g.norm(dim=1, keepdim=True).clamp_min(1e-20)
        d_mat, u_mat = g[:1] - g[1:], u[:1] - u[1:]
        rest = g[0] @ u_mat.T @ torch.linalg.pinv(d_mat @ u_mat.T)
        alpha = torch.cat([1 - rest.sum(0, keepdim=True), rest]).to(grads.dtype)
        return alpha @ grads, {f'weight.{n}': a for n, a in zip(names, alpha)}
