"""Label maps at feature resolution and the ideal affinity between their pixels (CI-Net,
Gao et al., Applied Intelligence 2022, Eq. 3; the affinity of Yu et al., "Context Prior for
Scene Segmentation", CVPR 2020).

The ideal affinity of a label map flattened to ``m`` (length N) is ``A = M Mᵀ`` with ``M``
the one-hot N×C matrix of ``m``: ``A_ij = 1`` when pixels i and j carry the same class and
0 otherwise. It is computed here as the equality ``m_i == m_j``, which equals ``M Mᵀ`` for
labelled pixels without building the N×C matrix. An ignored pixel (``ignore_index``) has an
all-zero row of ``M``, so its row and column of ``A`` are 0; ``pair_valid`` marks the pairs
whose two pixels are labelled, which is where a loss on ``A`` is defined.
"""
from typing import Optional, Tuple

import torch
from torch.nn import functional as F


def resize_labels(labels: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """A B×H×W (or B×1×H×W) label map resized to ``size`` by nearest neighbour (int64)."""
    if labels.dim() == 4:
        labels = labels.squeeze(1)
    if tuple(labels.shape[-2:]) == tuple(size):
        return labels.long()
    resized = F.interpolate(labels[:, None].float(), size=tuple(size), mode='nearest')
    return resized[:, 0].long()


def ideal_affinity(rows: torch.Tensor, cols: torch.Tensor, ignore_index: int,
                   dtype: Optional[torch.dtype] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(A, pair_valid)`` between the labels ``rows`` (B×n) and ``cols`` (B×N), each B×n×N.

    ``A`` is ``M_rows M_colsᵀ`` (Eq. 3): 1 where both pixels have the same class, 0 where the
    classes differ or either pixel is ignored. ``pair_valid`` is True where both are labelled.
    """
    valid_rows, valid_cols = rows != ignore_index, cols != ignore_index
    pair_valid = valid_rows[:, :, None] & valid_cols[:, None, :]
    same = (rows[:, :, None] == cols[:, None, :]) & pair_valid
    return same.to(dtype or torch.float32), pair_valid
