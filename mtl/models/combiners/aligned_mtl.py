"""Aligned-MTL: aligning the gradients' principal components (Senushkin et al.,
"Independent Component Alignment for Multi-Task Learning", CVPR 2023, Algorithm 1).

With the Gram matrix M = G Gᵀ = V Λ Vᵀ (its nonzero eigenvalues λ_1 ≥ … ≥ λ_R),
B = √λ_R · V Λ^{-1/2} Vᵀ makes the aligned gradients Ĝ = B G orthogonal with equal
norms √λ_R (the smallest singular value of G; condition number 1), and the shared
parameters get d = Σ_i (B w)_i g_i with task weights w = 1 (the sum of the aligned
gradients). Eigenvalues below ``max λ · T · eps`` count as zero (rank deficiency).
"""
from typing import List, Sequence

import torch

from mtl.models.base import GradientCombiner
from mtl.registry import MODELS


def alignment_matrix(gram: torch.Tensor) -> torch.Tensor:
    """B = √λ_min · V Λ^{-1/2} Vᵀ over the nonzero eigenvalues of ``gram``."""
    values, vectors = torch.linalg.eigh(gram)
    keep = values > values.max() * len(gram) * torch.finfo(gram.dtype).eps
    if not bool(keep.any()):  # every gradient is zero
        return torch.zeros_like(gram)
    values, vectors = values[keep], vectors[:, keep]
    return values.min().sqrt() * vectors @ torch.diag(values.rsqrt()) @ vectors.T


@MODELS.register_module()
class AlignedMTL(GradientCombiner):

    def __init__(self, loss_names: Sequence[str]):
        super().__init__(loss_names)

    def combine_gradients(self, grads: torch.Tensor, names: List[str]):
        weights = alignment_matrix(grads.double() @ grads.double().T).sum(1).to(grads.dtype)
        return weights @ grads, {f'weight.{n}': a for n, a in zip(names, weights)}
