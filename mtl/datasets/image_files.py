"""Image files as the datasets store them: colour images and 16-bit depth PNGs.

One reader per format, shared by every dataset package:

* :func:`read_image`: any image OpenCV decodes, as uint8 RGB H×W×3 (``rgb=True``) or the
  stored array unchanged (labels, 16-bit depth).
* :func:`depth_from_png` / :func:`read_depth_png`: a single-channel uint16 PNG of depth in
  fixed units (NYU's BTS and prepared layouts: millimetres, 1000 per metre; KITTI: 256 per
  metre), as float32 metres H×W with 0 = no measurement.

No paper: file formats, no equation applies.
"""
from pathlib import Path
from typing import Union

import cv2
import numpy as np

PathLike = Union[str, Path]


def read_image(path: PathLike, rgb: bool = True) -> np.ndarray:
    """uint8 RGB H×W×3 when ``rgb``, else the stored array; raise naming a missing file."""
    array = cv2.imread(str(path), cv2.IMREAD_COLOR if rgb else cv2.IMREAD_UNCHANGED)
    if array is None:
        raise FileNotFoundError(f'Cannot read {path}: the file is missing or not an image.')
    return np.ascontiguousarray(array[..., ::-1]) if rgb else array


def depth_from_png(raw: np.ndarray, units_per_metre: float, path: PathLike, what: str,
                   hint: str = '') -> np.ndarray:
    """Metres (float32 H×W) from the array of a 16-bit depth PNG; raise on another format."""
    if raw.dtype != np.uint16 or raw.ndim != 2:
        raise ValueError(f'{path} is not a {what}: expected a single-channel 16-bit image, got '
                         f'{raw.dtype} with shape {raw.shape}.{" " + hint if hint else ""}')
    return raw.astype(np.float32) / units_per_metre


def read_depth_png(path: PathLike, units_per_metre: float, what: str, hint: str = ''
                   ) -> np.ndarray:
    """:func:`depth_from_png` of the file at ``path``."""
    return depth_from_png(read_image(path, rgb=False), units_per_metre, path, what, hint)
