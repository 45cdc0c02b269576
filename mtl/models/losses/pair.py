"""Pair loss L_pair (CI-Net, Gao et al., Applied Intelligence 2022, Eq. 9).

    L_pair = Σ_{p, q ∈ Λ, p ≠ q} |(d_p − d_q) − (d̃_p − d̃_q)|

over a random set Λ of pixels: it keeps relative depths right, between neighbours and
between far-apart objects alike.

Readings:

- |Λ| = ``num_points`` (500 in the paper, §4.2) is the number of pixels, drawn per image
  without replacement among the pixels with valid ground truth; Eq. 9 sums over every
  pair of them (p ≠ q). An image with fewer valid pixels uses them all.
- The draw is reproducible: the generator is seeded with ``seed`` and a counter of the
  loss's calls, which is saved in checkpoints, so a resumed run draws what the
  uninterrupted run would have drawn.
- ``reduction='mean'`` (default) averages over the pairs (and images); ``'sum'`` is Eq. 9
  as written, summed over the batch.
"""
from typing import Optional

import torch

from mtl.models.base import Loss
from mtl.registry import MODELS


def pair_differences(pred: torch.Tensor, target: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``|(d_p − d_q) − (d̃_p − d̃_q)|`` for all p ≠ q of ``index`` into the flat maps
    ``pred`` and ``target`` (one image): a vector of n·(n − 1) ordered pairs."""
    error = pred[index] - target[index]  # e = d̃ − d: the pair term is |e_p − e_q|
    differences = (error[:, None] - error[None, :]).abs()
    off_diagonal = ~torch.eye(len(index), dtype=torch.bool, device=pred.device)
    return differences[off_diagonal]


@MODELS.register_module()
class PairLoss(Loss):
    """See the module docstring.

    Args:
        num_points: |Λ|, pixels drawn per image.
        seed: seed of the draws.
        reduction: ``'mean'`` or ``'sum'`` (Eq. 9 as written).
    """

    def __init__(self, num_points: int = 500, seed: int = 0, reduction: str = 'mean'):
        super().__init__()
        if num_points < 2:
            raise ValueError(f'num_points must be >= 2 to form a pair, got {num_points}')
        if reduction not in ('mean', 'sum'):
            raise ValueError(f'reduction must be "mean" or "sum", got "{reduction}"')
        self.num_points, self.seed, self.reduction = num_points, seed, reduction
        self.register_buffer('calls', torch.zeros((), dtype=torch.long))

    def draw(self, valid: torch.Tensor) -> torch.Tensor:
        """Indices of up to ``num_points`` valid pixels of one flat mask, reproducibly."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + int(self.calls))
        weights = valid.detach().cpu().float()
        count = min(self.num_points, int(weights.sum()))
        if count < 2:
            return torch.zeros(0, dtype=torch.long, device=valid.device)
        return torch.multinomial(weights, count, generator=generator).to(valid.device)

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        pred, target = pred.flatten(1), target.nan_to_num().flatten(1)
        valid = (valid_mask.flatten(1) if valid_mask is not None
                 else torch.ones_like(pred, dtype=torch.bool))
        terms = []
        for b in range(pred.shape[0]):
            index = self.draw(valid[b])
            self.calls += 1
            if len(index):
                terms.append(pair_differences(pred[b], target[b], index))
        if not terms:
            return (pred * 0).sum()
        terms = torch.cat(terms)
        return terms.sum() if self.reduction == 'sum' else terms.mean()
