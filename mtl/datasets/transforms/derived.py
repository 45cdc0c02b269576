"""Targets derived from other targets: depth intervals, normals, contours, log depth.

Derived targets come from registered transforms, never from dataset code. A
derived transform whose source key is absent does nothing (a dataset without depth
gets no depth-derived targets); sources are shape-checked like every target.

* :class:`DepthToIntervals` — depth-interval classes (MultiDepth's auxiliary task;
  Liebel & Körner 2019 use 32 intervals equally spaced in normalised log space).
* :class:`DepthToNormals` — surface normals from depth and the intrinsics (PAD-Net's
  intermediate normal task on NYUDv2, Xu et al., CVPR 2018; CI-Net's normal loss).
* :class:`SegToContours` — semantic boundaries (PAD-Net's intermediate contour task).
* :class:`DepthToNormalizedLog` — MultiDepth Eq. 2 regression target.
"""
import math
from typing import Optional, Tuple

import torch

from mtl.registry import TRANSFORMS
from mtl.structures import IGNORE_INDEX, valid_mask
from mtl.utils.depth_space import DepthBinning, normalized_log_depth

from ._sample import DEPTH_ENCODINGS, check_target, image_size

def _source(sample: dict, key: str, transform: str):
    """``sample[key]`` shape-checked, or None when absent; ``img`` is always required."""
    image_size(sample, transform)
    if key not in sample:
        return None
    check_target(key, sample[key], transform)
    return sample[key]


@TRANSFORMS.register_module()
class DepthToIntervals:
    """Depth → interval class map (int64 H×W), 255 where depth is invalid (0 or NaN).

    Uses :class:`mtl.utils.depth_space.DepthBinning`; depths outside [d_min, d_max]
    fall into the first or last interval. ``norm_range`` separates MultiDepth's Eq. 2
    normalisation bounds from the quantisation clipping planes ``d_min``/``d_max``
    (Sec. 3.3); give the same values to the ``DepthIntervalHead`` that decodes them.
    """

    def __init__(self, num_bins: int, d_min: float, d_max: float, spacing: str = 'log',
                 key: str = 'depth', out_key: str = 'depth_bins',
                 norm_range: Optional[Tuple[float, float]] = None):
        self.binning = DepthBinning(num_bins, d_min, d_max, spacing, norm_range)
        self.key, self.out_key = key, out_key
        DEPTH_ENCODINGS.add(out_key)

    def __call__(self, sample: dict) -> dict:
        depth = _source(sample, self.key, type(self).__name__)
        if depth is None:
            return dict(sample)
        return dict(sample, **{self.out_key: self.binning.encode(depth)[0]})

    def __repr__(self) -> str:
        b = self.binning
        return (f'{type(self).__name__}(num_bins={b.num_bins}, d_min={b.d_min}, '
                f'd_max={b.d_max}, spacing={b.spacing!r}, norm_range={b.norm_range})')


@TRANSFORMS.register_module()
class DepthToNormals:
    """Surface normals from depth and ``meta['intrinsics']`` (float32 3×H×W).

    Each pixel is back-projected to P = z·K⁻¹(u, v, 1)ᵀ; the normal is the normalised
    cross product of the central differences P(u+1) − P(u−1) and P(v+1) − P(v−1),
    turned to face the camera (n·P < 0, so z < 0 for visible surfaces). It is the zero
    vector (invalid) where the pixel or any of its four neighbours has invalid depth,
    on the one-pixel image border, and where the differences are parallel. With
    ``overwrite=False`` a sample that already holds ``out_key`` keeps it.
    """

    def __init__(self, key: str = 'depth', out_key: str = 'normals', overwrite: bool = False):
        self.key, self.out_key, self.overwrite = key, out_key, overwrite

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        depth = _source(sample, self.key, name)
        if depth is None or (self.out_key in sample and not self.overwrite):
            return dict(sample)
        intrinsics = sample.get('meta', {}).get('intrinsics')
        if intrinsics is None:
            raise KeyError(f'{name} needs the camera intrinsics in meta["intrinsics"] '
                           f'(a 3×3 pinhole matrix in pixels); the dataset must provide them.')
        return dict(sample, **{self.out_key: depth_to_normals(depth, intrinsics)})

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(key={self.key!r}, out_key={self.out_key!r}, '
                f'overwrite={self.overwrite})')


def depth_to_normals(depth: torch.Tensor, intrinsics) -> torch.Tensor:
    """Normals (3×H×W) of a 1×H×W depth map; see :class:`DepthToNormals`."""
    height, width = depth.shape[-2:]
    k_inv = torch.linalg.inv(torch.as_tensor(intrinsics, dtype=torch.float64)).float()
    u = torch.arange(width, dtype=torch.float32)[None, None, :]
    v = torch.arange(height, dtype=torch.float32)[None, :, None]
    rays = k_inv[:, 0, None, None] * u + k_inv[:, 1, None, None] * v + k_inv[:, 2, None, None]
    x, y, z = rays * depth  # the 3-D points, each (H, W)
    centre = (slice(1, -1), slice(1, -1))
    du = [p[1:-1, 2:] - p[1:-1, :-2] for p in (x, y, z)]  # P(u+1) − P(u−1)
    dv = [p[2:, 1:-1] - p[:-2, 1:-1] for p in (x, y, z)]  # P(v+1) − P(v−1)
    normal = torch.stack((du[1] * dv[2] - du[2] * dv[1], du[2] * dv[0] - du[0] * dv[2],
                          du[0] * dv[1] - du[1] * dv[0]))  # (3, H-2, W-2)
    facing = normal[0] * x[centre] + normal[1] * y[centre] + normal[2] * z[centre]
    length = (normal * normal).sum(0).sqrt()
    valid = valid_mask('depth', depth)  # (H, W)
    ok = (valid[centre] & valid[1:-1, 2:] & valid[1:-1, :-2] & valid[2:, 1:-1]
          & valid[:-2, 1:-1] & (length > 1e-12) & (facing != 0))
    scale = torch.where(ok, -torch.sign(facing) / length, 0.0)
    out = torch.zeros(3, height, width, dtype=torch.float32)
    out[:, 1:-1, 1:-1] = torch.where(ok, normal * scale, 0.0)
    return out


@TRANSFORMS.register_module()
class SegToContours:
    """Semantic contours (uint8 1×H×W) from a label map.

    A pixel is 1 where its label differs from a 4-neighbour at most ``width`` pixels
    away (both sides of a boundary are marked), else 0; 255 where its own label is
    ``ignore_index``. Reading chosen: a neighbour labelled ``ignore_index`` (or outside
    the image) is unknown and never makes a contour.
    """

    def __init__(self, width: int = 1, ignore_index: int = IGNORE_INDEX,
                 key: str = 'seg', out_key: str = 'contours'):
        if width < 1:
            raise ValueError(f'width must be at least 1, got {width}')
        self.width, self.ignore_index = int(width), ignore_index
        self.key, self.out_key = key, out_key

    def __call__(self, sample: dict) -> dict:
        seg = _source(sample, self.key, type(self).__name__)
        if seg is None:
            return dict(sample)
        known = seg != self.ignore_index
        edge = torch.zeros_like(known)
        for k in range(1, self.width + 1):
            horizontal = (seg[:, k:] != seg[:, :-k]) & known[:, k:] & known[:, :-k]
            edge[:, k:] |= horizontal
            edge[:, :-k] |= horizontal
            vertical = (seg[k:] != seg[:-k]) & known[k:] & known[:-k]
            edge[k:] |= vertical
            edge[:-k] |= vertical
        contours = edge.to(torch.uint8).masked_fill(~known, IGNORE_INDEX)
        return dict(sample, **{self.out_key: contours[None]})

    def __repr__(self) -> str:
        return f'{type(self).__name__}(width={self.width}, ignore_index={self.ignore_index})'


@TRANSFORMS.register_module()
class DepthToNormalizedLog:
    """MultiDepth Eq. 2: d_log = ln(d − d_min + 1) / ln(d_max − d_min + 1).

    Liebel & Körner use d_min = 2 m, d_max = 125 m on KITTI. Depths below d_min map to
    0 and depths above d_max to values above 1 (Eq. 2 states no upper clip); invalid
    depth (0 or NaN) gives NaN, the invalid value of the ``'scalar'`` target
    ``depth_nlog``.
    """

    def __init__(self, d_min: float, d_max: float, key: str = 'depth',
                 out_key: str = 'depth_nlog'):
        if not 0 <= d_min < d_max or not math.isfinite(d_max):
            raise ValueError(f'need 0 <= d_min < d_max < inf, got d_min={d_min}, '
                             f'd_max={d_max}')
        self.d_min, self.d_max, self.key, self.out_key = d_min, d_max, key, out_key
        DEPTH_ENCODINGS.add(out_key)

    def __call__(self, sample: dict) -> dict:
        depth = _source(sample, self.key, type(self).__name__)
        if depth is None:
            return dict(sample)
        value = normalized_log_depth(depth.float(), self.d_min, self.d_max)
        nlog = torch.where(valid_mask('depth', depth)[None], value, float('nan'))
        return dict(sample, **{self.out_key: nlog})

    def __repr__(self) -> str:
        return f'{type(self).__name__}(d_min={self.d_min}, d_max={self.d_max})'
