"""Colour maps shared by the pictures: a class palette and normals as RGB (uint8 H×W×3)."""
import numpy as np
from matplotlib import colormaps


def default_palette(num_classes: int) -> np.ndarray:
    """A fixed, well-separated palette (num_classes × 3, uint8)."""
    base = colormaps['tab20'](np.linspace(0, 1, 20))[:, :3]
    extra = colormaps['hsv'](np.linspace(0, 1, max(num_classes - 20, 1), endpoint=False))[:, :3]
    return (np.concatenate([base, extra])[:num_classes] * 255).astype(np.uint8)


def colorize_normals(normals: np.ndarray) -> np.ndarray:
    """Unit normals 3×H×W -> RGB with the usual (n + 1) / 2 mapping; zero vectors black."""
    normals = np.asarray(normals, dtype=np.float32)
    rgb = ((normals.transpose(1, 2, 0) + 1) / 2 * 255).clip(0, 255).astype(np.uint8)
    rgb[np.abs(normals).sum(0) == 0] = 0
    return rgb
