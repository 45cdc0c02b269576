"""Attention loss L_att (CI-Net, Gao et al., Applied Intelligence 2022, Eq. 4).

    L_att = − Σ_ij [ A_ij log Ã_ij + (1 − A_ij) log(1 − Ã_ij) ],   Ã = σ(Q Kᵀ)

the binary cross-entropy between the predicted attention Ã of the scene understanding
module (Eq. 1) and the ideal affinity A = M Mᵀ of the downsampled labels (Eq. 3). It is
computed from the logits Q Kᵀ (``binary_cross_entropy_with_logits``), never from Ã, so that
saturated attention values give finite losses and gradients.

Readings:

- Pairs with an ignored pixel are left out (A is undefined there).
- ``reduction='mean'`` (default) divides the sum by the number of labelled pairs, so the
  loss does not grow with N² and the paper's weight 1 in Eq. 13 stays meaningful at any
  resolution; ``'sum'`` is Eq. 4 as written (summed over the batch too).

Memory: the loss takes the factors Q (B×N×C) and K (B×N×C) and the labels (B×N), not the
N×N logits. With ``chunk_size`` it works through ``chunk_size`` rows of the N×N map at a time
and, when gradients are needed, recomputes each block in the backward pass (activation
checkpointing), so it holds O(chunk_size · N) besides its inputs instead of O(N²).
``chunk_size=None`` computes the whole map at once.
"""
from typing import Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX
from mtl.utils.label_affinity import ideal_affinity

REDUCTIONS = ('mean', 'sum')


def attention_bce_block(query: torch.Tensor, key: torch.Tensor, rows: torch.Tensor,
                        cols: torch.Tensor, ignore_index: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(Σ BCE, number of labelled pairs)`` over the rows ``query`` (B×n×C) of the map
    ``query keyᵀ`` against the ideal affinity of the labels ``rows`` (B×n) and ``cols`` (B×N)."""
    logits = query @ key.transpose(1, 2)  # (B, n, N)
    affinity, valid = ideal_affinity(rows, cols, ignore_index, dtype=logits.dtype)
    bce = F.binary_cross_entropy_with_logits(logits, affinity, reduction='none')
    return bce.masked_fill(~valid, 0).sum(), valid.sum().to(logits.dtype)


@MODELS.register_module()
class AttentionLoss(nn.Module):
    """See the module docstring.

    Args:
        chunk_size: rows of the N×N map per block, or ``None`` for the whole map.
        reduction: ``'mean'`` over labelled pairs or ``'sum'`` (Eq. 4 as written).
        ignore_index: the label of unlabelled pixels.
    """

    def __init__(self, chunk_size: Optional[int] = None, reduction: str = 'mean',
                 ignore_index: int = IGNORE_INDEX):
        super().__init__()
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f'chunk_size must be a positive number of rows or None, '
                             f'got {chunk_size}')
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS}, got "{reduction}"')
        self.chunk_size, self.reduction, self.ignore_index = chunk_size, reduction, ignore_index

    def forward(self, query: torch.Tensor, key: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``query``, ``key``: B×N×C; ``labels``: B×N class indices at the map's resolution."""
        if query.shape != key.shape or labels.shape != query.shape[:2]:
            raise ValueError(f'query {tuple(query.shape)} and key {tuple(key.shape)} must be B×N×C '
                             f'and labels {tuple(labels.shape)} B×N')
        n = query.shape[1]
        step = self.chunk_size or n
        total, count = query.new_zeros(()), query.new_zeros(())
        recompute = step < n and torch.is_grad_enabled()
        for start in range(0, n, step):
            args = (query[:, start:start + step], key, labels[:, start:start + step], labels,
                    self.ignore_index)
            block_sum, block_count = (checkpoint(attention_bce_block, *args, use_reentrant=False)
                                      if recompute else attention_bce_block(*args))
            total, count = total + block_sum, count + block_count
        if self.reduction == 'sum':
            return total
        return total / count.clamp(min=1)  # no labelled pair: 0 with a gradient
