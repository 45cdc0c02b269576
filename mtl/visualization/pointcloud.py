"""Back-project a depth map into a coloured point cloud and write it as PLY.

Pinhole model: a pixel (u, v) with depth z (metres, along the optical axis) maps to
``X = (u − cx)·z/fx, Y = (v − cy)·z/fy, Z = z`` in the camera frame (x right, y down,
z forward), with pixel centres at integer coordinates as in mtl's transforms. Invalid
pixels (z ≤ 0 or not finite) are dropped.

The file is written with ``plyfile`` (``pip install mtl[pointcloud]``): a small,
maintained, numpy-only package that reads and writes binary PLY, which MeshLab, CloudCompare,
Open3D and trimesh all open. trimesh and Open3D would also write PLY but pull in far
larger dependencies (Open3D wheels are hundreds of MB) for a one-element file.
"""
from typing import Optional, Tuple

import numpy as np


def intrinsics_matrix(fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def depth_to_points(depth: np.ndarray, intrinsics: np.ndarray,
                    image: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """``(points N×3 float32, colours N×3 uint8)`` from depth H×W and a 3×3 matrix;
    colours come from ``image`` (H×W×3 uint8 RGB), grey when it is None."""
    depth = np.asarray(depth, np.float64)
    k = np.asarray(intrinsics, np.float64)
    if depth.ndim != 2:
        raise ValueError(f'depth must be H×W, got shape {depth.shape}')
    if k.shape != (3, 3) or k[0, 0] <= 0 or k[1, 1] <= 0:
        raise ValueError(f'intrinsics must be a 3×3 pinhole matrix with fx, fy > 0, got {k.tolist()}')
    if image is not None and np.asarray(image).shape[:2] != depth.shape:
        raise ValueError(f'image {np.asarray(image).shape[:2]} and depth {depth.shape} differ in size')
    v, u = np.nonzero(np.isfinite(depth) & (depth > 0))
    z = depth[v, u]
    points = np.stack([(u - k[0, 2]) * z / k[0, 0], (v - k[1, 2]) * z / k[1, 1], z], axis=1)
    colours = (np.asarray(image, np.uint8)[v, u] if image is not None
               else np.full((len(z), 3), 128, np.uint8))
    return points.astype(np.float32), colours


def write_ply(path: str, points: np.ndarray, colours: np.ndarray) -> str:
    """Binary PLY with float x, y, z and uchar red, green, blue per vertex."""
    from plyfile import PlyData, PlyElement
    vertex = np.empty(len(points), dtype=[('x', 'f4'), ('y', 'f4'), ('z', 'f4'),
                                          ('red', 'u1'), ('green', 'u1'), ('blue', 'u1')])
    for i, axis in enumerate('xyz'):
        vertex[axis] = points[:, i]
    for i, channel in enumerate(('red', 'green', 'blue')):
        vertex[channel] = colours[:, i]
    PlyData([PlyElement.describe(vertex, 'vertex')]).write(str(path))
    return str(path)


def depth_to_ply(path: str, depth: np.ndarray, intrinsics: np.ndarray,
                 image: Optional[np.ndarray] = None) -> int:
    """Write the coloured point cloud of ``depth`` to ``path``; returns the point count."""
    points, colours = depth_to_points(depth, intrinsics, image)
    write_ply(path, points, colours)
    return len(points)
