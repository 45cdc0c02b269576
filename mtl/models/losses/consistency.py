"""Consistency loss L_con (CI-Net, Gao et al., Applied Intelligence 2022, Eq. 7).

    L_con = Σ_l Σ_ij ψ(s_ij, s_ij(l)) · |D(f_d, l) − D(f_s, l)|
    D(f, l)_ij = exp(−½ (f_ij − f_ij(l))ᵀ Σ⁻¹ (f_ij − f_ij(l))),   Σ = σ² I

compares each pixel's feature with the features at offsets l ∈ {1, 2} along x and y, in the
depth branch (f_d) and the semantic branch (f_s): where the labels of the two pixels differ
(ψ = 1; ψ = 0 where they agree or either is unlabelled), the two branches should find the
pixels equally similar. Each pixel is compared 8 times (±1, ±2 along x and y); each
unordered pair is computed once and counted twice. The labels are the batch's ground truth
resized to the features' resolution by nearest neighbour.

Readings:

- Σ = σ² I with one σ per feature map (σ_d, σ_s). We write σ² = C·s² (C the map's channels)
  and learn s, starting at ``init_sigma``: the same family of D, but D no longer vanishes
  at initialisation for wide maps. Note that learned σ make L_con degenerate: σ → 0 (or ∞)
  in both maps drives every D to 0 (or 1) and L_con to 0 whatever the features. ``sigma=
  'estimated'`` instead sets each s² to the map's mean squared neighbour distance per
  channel (detached), so D measures distance relative to the map's own spread.
- ``reduction='mean'`` (default) divides by the number of compared pairs whose two pixels
  are labelled; ``'sum'`` is Eq. 7 as written (summed over the batch, both directions).

The loss reads two branch features: configure it with
``extra=dict(f_d='feature:<task>@<k>', f_s='feature:<task>@<k>')``; its ``pred`` is unused.
"""
from typing import Optional

import torch
from torch import nn

from mtl.models.base import Loss
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX
from mtl.utils.label_affinity import resize_labels

OFFSETS = ((0, 1), (0, 2), (1, 0), (2, 0))  # (dy, dx): l ∈ {1, 2} along y and x
SIGMAS = ('learned', 'estimated')


def neighbour_pairs(x: torch.Tensor, dy: int, dx: int):
    """``(x_ij, x_ij(l))`` for the offset (dy, dx) over the last two dimensions."""
    h, w = x.shape[-2:]
    return x[..., :h - dy, :w - dx], x[..., dy:, dx:]


@MODELS.register_module()
class ConsistencyLoss(Loss):
    """See the module docstring.

    Args:
        sigma: ``'learned'`` (one learned σ per feature map) or ``'estimated'``.
        init_sigma: initial s (σ² = C·s²) when learned.
        reduction: ``'mean'`` or ``'sum'`` (Eq. 7 as written).
        ignore_index: the label of unlabelled pixels.
    """

    def __init__(self, sigma: str = 'learned', init_sigma: float = 1.0, reduction: str = 'mean',
                 ignore_index: int = IGNORE_INDEX):
        super().__init__()
        if sigma not in SIGMAS:
            raise ValueError(f'sigma must be one of {SIGMAS}, got "{sigma}"')
        if reduction not in ('mean', 'sum'):
            raise ValueError(f'reduction must be "mean" or "sum", got "{reduction}"')
        if init_sigma <= 0:
            raise ValueError(f'init_sigma must be positive, got {init_sigma}')
        self.sigma, self.reduction, self.ignore_index = sigma, reduction, ignore_index
        self.log_sigma = (nn.Parameter(torch.full((2,), float(init_sigma)).log())
                          if sigma == 'learned' else None)

    def similarity(self, feature: torch.Tensor, index: int):
        """``D(f, l)`` (B×h×w maps) for each offset in ``OFFSETS``."""
        distances = [(a - b).square().mean(1) for a, b in
                     (neighbour_pairs(feature, dy, dx) for dy, dx in OFFSETS)]
        if self.sigma == 'learned':
            variance = (2 * self.log_sigma[index]).exp()
        else:
            variance = torch.cat([d.flatten() for d in distances]).mean().detach()
            variance = variance.clamp(min=torch.finfo(feature.dtype).tiny)
        return [torch.exp(-0.5 * d / variance) for d in distances]

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None, f_d: Optional[torch.Tensor] = None,
                f_s: Optional[torch.Tensor] = None) -> torch.Tensor:
        if f_d is None or f_s is None or f_d.shape[-2:] != f_s.shape[-2:]:
            raise ValueError('ConsistencyLoss reads two feature maps of one size: configure '
                             "extra=dict(f_d='feature:<task>@<k>', f_s='feature:<task>@<k>')")
        labels = resize_labels(target, f_d.shape[-2:])
        total, count = f_d.new_zeros(()), 0
        pairs = zip(OFFSETS, self.similarity(f_d, 0), self.similarity(f_s, 1))
        for (dy, dx), sim_d, sim_s in pairs:
            a, b = neighbour_pairs(labels, dy, dx)
            labelled = (a != self.ignore_index) & (b != self.ignore_index)
            psi = labelled & (a != b)
            total = total + (sim_d - sim_s).abs().masked_fill(~psi, 0).sum()
            count += int(labelled.sum())
        if self.reduction == 'sum':
            return 2 * total  # each pair is compared from both of its pixels
        return total / max(count, 1)
