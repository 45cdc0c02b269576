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
- :class:`BoundaryMatcher` counts a maximum bipartite matching of the two pixel sets, as the
  maximum flow of the unit-capacity network source → predicted → ground truth → sink
  (Dinic's algorithm, scipy), the pairs within the radius found with a k-d tree. scipy's
  ``maximum_bipartite_matching`` is not used: its Hopcroft-Karp search takes exponential
  time on layered graphs such as neighbouring boundary lines (scipy issue 26147; it did not
  return in minutes on one 480×640 map).

The BSDS matcher (``correspondPixels``, also run by seism and pyEdgeEval) solves a min-cost
assignment in which an unmatched pixel costs 100 × the radius, over a graph with random
outlier edges seeded from the clock: its matchings are maximum up to a few pixels, which vary
from run to run (0-3 of about 1000 on the maps of tests/test_boundary_metric.py, which
compares the two). Ours is deterministic and maximum, so it matches at least as many.
"""
from typing import Tuple

import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow
from scipy.spatial import cKDTree

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


class BoundaryMatcher:
    """Matches predicted boundary maps against one ground-truth map (see module doc).

    The ground-truth side is prepared once per image: a k-d tree of its boundary pixels and
    the band of pixels within ``radius`` of one (a Euclidean distance transform); predicted
    pixels outside the band cannot be matched and stay out of the graph.
    """

    def __init__(self, gt: np.ndarray, radius: float):
        gt = gt.astype(bool)
        self.radius, self.num_gt = float(radius), int(gt.sum())
        self.tree = cKDTree(np.argwhere(gt)) if self.num_gt else None
        self.near = (distance_transform_edt(~gt) <= self.radius if self.num_gt
                     else np.zeros(gt.shape, bool))

    def count(self, pred: np.ndarray) -> int:
        """The size of a maximum one-to-one matching of ``pred``'s pixels with the ground
        truth's, a pair allowed when the two pixels lie at most ``radius`` apart."""
        points = np.argwhere(pred & self.near)
        if len(points) == 0:
            return 0
        # every pair within the radius; 1e-9 keeps the pairs exactly at it (BSDS: d <= r)
        pairs = cKDTree(points).sparse_distance_matrix(self.tree, self.radius + 1e-9,
                                                       output_type='ndarray')
        num_pred = len(points)
        source, sink = num_pred + self.num_gt, num_pred + self.num_gt + 1  # after pred, gt
        tails = np.concatenate([np.full(num_pred, source), pairs['i'],
                                num_pred + np.arange(self.num_gt)])
        heads = np.concatenate([np.arange(num_pred), num_pred + pairs['j'],
                                np.full(self.num_gt, sink)])
        network = csr_matrix((np.ones(tails.size, np.int32), (tails, heads)),
                             shape=(sink + 1, sink + 1))
        return int(maximum_flow(network, source, sink, method='dinic').flow_value)


def matched_pairs(pred: np.ndarray, gt: np.ndarray, radius: float) -> int:
    """:meth:`BoundaryMatcher.count` for one pair of boolean maps."""
    return BoundaryMatcher(gt, radius).count(pred)
