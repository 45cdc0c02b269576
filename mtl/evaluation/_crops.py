"""Evaluation crops of monocular depth benchmarks, as fractions of the image size.

Fractions make a crop work at any evaluation resolution. ``crop_box`` turns them into
pixels with ``floor(fraction * size)`` (plus 1e-6, so that a fraction written from an
exact pixel count gives that pixel back): truncation is what the KITTI evaluation
scripts of Garg et al. and Godard et al. do with ``.astype(np.int32)``.

- ``eigen_nyu``: Eigen et al.'s NYUv2 crop, rows 45:471 and columns 41:601 of 480×640
  (0-based, end exclusive).
- ``garg``: Garg et al.'s KITTI crop, rows 0.40810811·H : 0.99189189·H, columns
  0.03594771·W : 0.96405229·W.
- ``eigen_kitti``: Eigen et al.'s KITTI crop, rows 0.3324324·H : 0.91351351·H, columns
  0.0359477·W : 0.96405229·W.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch

Fractions = Tuple[float, float, float, float]  # (top, bottom, left, right)

NAMED_CROPS: Dict[str, Fractions] = {
    'eigen_nyu': (45 / 480, 471 / 480, 41 / 640, 601 / 640),
    'garg': (0.40810811, 0.99189189, 0.03594771, 0.96405229),
    'eigen_kitti': (0.3324324, 0.91351351, 0.0359477, 0.96405229),
}

CropSpec = Optional[Union[str, Sequence[float]]]


def crop_fractions(crop: CropSpec) -> Optional[Fractions]:
    """Validate a crop given by name or as ``(top, bottom, left, right)`` fractions."""
    if crop is None:
        return None
    if isinstance(crop, str):
        if crop not in NAMED_CROPS:
            raise ValueError(f'Unknown crop "{crop}". Known crops: {sorted(NAMED_CROPS)}, '
                             f'or (top, bottom, left, right) fractions of the image size.')
        return NAMED_CROPS[crop]
    fractions = tuple(float(f) for f in crop)
    if len(fractions) != 4:
        raise ValueError(f'A crop is (top, bottom, left, right) fractions; got {crop}.')
    top, bottom, left, right = fractions
    if not (0 <= top < bottom <= 1 and 0 <= left < right <= 1):
        raise ValueError(f'Crop fractions must satisfy 0 <= top < bottom <= 1 and '
                         f'0 <= left < right <= 1; got {crop}.')
    return fractions


def crop_box(fractions: Fractions, height: int, width: int) -> Tuple[int, int, int, int]:
    """Pixel box ``(top, bottom, left, right)``, 0-based, end exclusive."""
    top, bottom, left, right = fractions
    return (math.floor(top * height + 1e-6), math.floor(bottom * height + 1e-6),
            math.floor(left * width + 1e-6), math.floor(right * width + 1e-6))


def crop_mask(fractions: Optional[Fractions], height: int, width: int) -> torch.Tensor:
    """Boolean H×W mask, True inside the crop (everywhere when there is no crop)."""
    if fractions is None:
        return torch.ones(height, width, dtype=torch.bool)
    top, bottom, left, right = crop_box(fractions, height, width)
    mask = torch.zeros(height, width, dtype=torch.bool)
    mask[top:bottom, left:right] = True
    return mask
