"""Colour maps for depth, segmentation, normals and contours (uint8 H×W×3 RGB arrays)."""
from typing import Optional, Sequence

import numpy as np
from matplotlib import colormaps

from mtl.structures import IGNORE_INDEX


def colorize_depth(depth: np.ndarray, max_depth: Optional[float] = None,
                   cmap: str = 'magma_r') -> np.ndarray:
    """Depth H×W in metres -> RGB; near is bright with ``magma_r``; invalid (<= 0) is black."""
    depth = np.asarray(depth, dtype=np.float32)
    valid = np.isfinite(depth) & (depth > 0)
    top = max_depth or (float(depth[valid].max()) if valid.any() else 1.0)
    rgb = colormaps[cmap](np.clip(depth / top, 0, 1))[..., :3]
    rgb[~valid] = 0
    return (rgb * 255).astype(np.uint8)


def default_palette(num_classes: int) -> np.ndarray:
    """A fixed, well-separated palette (num_classes × 3, uint8)."""
    base = colormaps['tab20'](np.linspace(0, 1, 20))[:, :3]
    extra = colormaps['hsv'](np.linspace(0, 1, max(num_classes - 20, 1), endpoint=False))[:, :3]
    return (np.concatenate([base, extra])[:num_classes] * 255).astype(np.uint8)


def colorize_seg(labels: np.ndarray, num_classes: int, palette: Optional[Sequence] = None,
                 ignore_index: int = 255) -> np.ndarray:
    """Labels H×W -> RGB; ignored pixels are black."""
    palette = np.asarray(palette if palette is not None else default_palette(num_classes), np.uint8)
    labels = np.asarray(labels)
    rgb = palette[np.clip(labels, 0, len(palette) - 1)]
    rgb[labels == ignore_index] = 0
    return rgb


def colorize_normals(normals: np.ndarray) -> np.ndarray:
    """Unit normals 3×H×W -> RGB with the usual (n + 1) / 2 mapping; zero vectors black."""
    normals = np.asarray(normals, dtype=np.float32)
    rgb = ((normals.transpose(1, 2, 0) + 1) / 2 * 255).clip(0, 255).astype(np.uint8)
    rgb[np.abs(normals).sum(0) == 0] = 0
    return rgb


def colorize_probability(prob: np.ndarray) -> np.ndarray:
    """A map in [0, 1] (e.g. contour probability) -> grey RGB."""
    grey = (np.clip(np.asarray(prob, np.float32), 0, 1) * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def render_map(key: str, value: np.ndarray, dataset_meta: Optional[dict] = None) -> np.ndarray:
    """RGB array for a prediction or target, chosen by its shape and dtype, coloured with
    ``dataset_meta``'s palette and the top of its ``depth_range`` where it has them (a
    dataset without them gets a generated palette and a per-image depth scale)."""
    meta = dataset_meta or {}
    value = np.asarray(value)
    if value.ndim == 3 and value.shape[0] == 3:
        return colorize_normals(value)
    value = value.squeeze(0) if value.ndim == 3 else value
    if np.issubdtype(value.dtype, np.integer) and key != 'contours':
        palette = meta.get('palette') or None
        labels = int(value[value != IGNORE_INDEX].max(initial=0)) + 1
        if palette is not None and labels > len(palette):
            palette = None  # labels the dataset does not name
        return colorize_seg(value, len(palette) if palette else labels, palette=palette)
    if key.startswith('contours'):
        return colorize_probability(value.astype(np.float32))
    depth_range = meta.get('depth_range')
    return colorize_depth(value, depth_range[1] if depth_range else None)
