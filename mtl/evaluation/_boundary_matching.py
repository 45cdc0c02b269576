"""Boundary pixels matched within a distance, as the BSDS benchmark matches them.

Martin, Fowlkes & Malik (TPAMI 2004, Sec. 3.2) and Arbeláez et al. (TPAMI 2011, Sec. 3.1):
a binary boundary map is thinned to one-pixel-wide lines, then its pixels are put in a
one-to-one correspondence with the ground-truth boundary pixels, a pair being allowed when
the two pixels lie at most ``radius`` pixels apart (Euclidean). Matched predicted pixels
are true positives for precision, matched ground-truth pixels for recall.

- :func:`thin` is the morphological thinning of MATLAB's ``bwmorph(..., 'thin', Inf)``
  that the BSDS code applies: the two-subiteration algorithm of Guo & Hall (Comm. ACM 1989),
  algorithm A1 of Lam, Lee & Suen (TPAMI 1992, conditions G1, G2, G3 / G3'), repeated
  until nothing changes.
- :func:`matched_pairs` counts a maximum bipartite matching of the two pixel sets, as the
  maximum flow of the unit-capacity network source → predicted → ground truth → sink
  (Dinic's algorithm, scipy). scipy's ``maximum_bipartite_matching`` is not used: its
  Hopcroft-Karp search takes exponential time on layered graphs such as neighbouring boundary
  lines (scipy issue 26147; it did not return in minutes on one 480×640 map). The BSDS code (``correspondPixels``) solves a min-cost assignment in
  which leaving a pixel unmatched costs 100 × the matching radius, so its matchings have
  maximum cardinality up to rare long augmenting paths; tests/test_boundary_metric.py
  compares the two on the same maps.
"""
from functools import lru_cache
from typing import Tuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

# The 8 neighbours x1..x8 of Lam, Lee & Suen, counter-clockwise from east, as (dy, dx).
NEIGHBOURS = ((0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1))


def _thinning_tables() -> Tuple[np.ndarray, np.ndarray]:
    """Deletion tables of the two subiterations, indexed by the 8-bit neighbourhood code
    Σ_i x_i · 2^(i−1)."""
    codes = np.arange(256)
    x = [None] + [(codes >> i) & 1 for i in range(8)] + [codes & 1]  # x[9] = x[1]
    crossings = sum((1 - x[2 * i - 1]) & (x[2 * i] | x[2 * i + 1]) for i in range(1, 5))
    n1 = sum(x[2 * k - 1] | x[2 * k] for k in range(1, 5))
    n2 = sum(x[2 * k] | x[2 * k + 1] for k in range(1, 5))
    g12 = (crossings == 1) & (np.minimum(n1, n2) >= 2) & (np.minimum(n1, n2) <= 3)
    g3 = ((x[2] | x[3] | (1 - x[8])) & x[1]) == 0
    g3_prime = ((x[6] | x[7] | (1 - x[4])) & x[5]) == 0
    return g12 & g3, g12 & g3_prime


DELETE_FIRST, DELETE_SECOND = _thinning_tables()


def _neighbourhood_codes(mask: np.ndarray) -> np.ndarray:
    """The 8-bit neighbourhood code of every pixel (outside the image counts as 0)."""
    padded = np.pad(mask, 1).astype(np.uint8)
    height, width = mask.shape
    code = np.zeros(mask.shape, np.uint8)
    for bit, (dy, dx) in enumerate(NEIGHBOURS):
        code |= padded[1 + dy:1 + dy + height, 1 + dx:1 + dx + width] << bit
    return code


def thin(mask: np.ndarray) -> np.ndarray:
    """``bwmorph(mask, 'thin', Inf)``: one-pixel-wide, 8-connected lines (see module doc)."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return np.zeros(mask.shape, bool)
    top, left = rows.min(), cols.min()
    window = mask[top:rows.max() + 1, left:cols.max() + 1].astype(bool)  # the work is here
    while True:
        before = int(window.sum())
        for table in (DELETE_FIRST, DELETE_SECOND):
            window &= ~table[_neighbourhood_codes(window)]
        if int(window.sum()) == before:
            break
    out = np.zeros(mask.shape, bool)
    out[top:top + window.shape[0], left:left + window.shape[1]] = window
    return out


@lru_cache(maxsize=16)
def disc_offsets(radius: float) -> np.ndarray:
    """Integer offsets (dy, dx) with dy² + dx² <= radius², as an (N, 2) array."""
    reach = int(np.ceil(radius))
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    inside = dy ** 2 + dx ** 2 <= radius ** 2
    return np.stack([dy[inside], dx[inside]], axis=1)


def matched_pairs(pred: np.ndarray, gt: np.ndarray, radius: float) -> int:
    """The size of a maximum one-to-one matching of the boolean maps' pixels, a pair
    allowed when the two pixels lie at most ``radius`` pixels apart."""
    pred_y, pred_x = np.nonzero(pred)
    if pred_y.size == 0 or not gt.any():
        return 0
    height, width = gt.shape
    gt_index = np.full(gt.shape, -1, np.int64)
    gt_index[gt] = np.arange(int(gt.sum()))
    rows, cols = [], []
    for dy, dx in disc_offsets(radius):  # ~240 offsets at NYUD's 8.8 px
        ys, xs = pred_y + dy, pred_x + dx
        inside = np.nonzero((ys >= 0) & (ys < height) & (xs >= 0) & (xs < width))[0]
        partner = gt_index[ys[inside], xs[inside]]
        rows.append(inside[partner >= 0])
        cols.append(partner[partner >= 0])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    if rows.size == 0:
        return 0
    num_pred, num_gt = pred_y.size, int(gt.sum())
    source, sink = num_pred + num_gt, num_pred + num_gt + 1  # nodes: pred, gt, source, sink
    tails = np.concatenate([np.full(num_pred, source), rows, num_pred + np.arange(num_gt)])
    heads = np.concatenate([np.arange(num_pred), num_pred + cols, np.full(num_gt, sink)])
    network = csr_matrix((np.ones(tails.size, np.int32), (tails, heads)),
                         shape=(sink + 1, sink + 1))
    return int(maximum_flow(network, source, sink, method='dinic').flow_value)
