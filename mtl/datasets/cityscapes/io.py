"""Readers for the Cityscapes files as downloaded (https://www.cityscapes-dataset.com).

- ``*_leftImg8bit.png``: 8-bit RGB;
- ``*_gtFine_labelIds.png``: 8-bit single-channel label ids;
- ``*_disparity.png``: 16-bit single-channel; disparity = (p − 1) / 256 for p > 0, and
  p = 0 is invalid (the dataset's README);
- ``*_camera.json``: ``{"extrinsic": {"baseline": ..., ...}, "intrinsic": {"fx", "fy",
  "u0", "v0"}}``; depth = baseline · fx / disparity.
"""
import json
from pathlib import Path
from typing import Tuple, Union

import cv2
import numpy as np

PathLike = Union[str, Path]
DOCS = 'docs/datasets.md (Cityscapes)'


def _read_png(path: PathLike, dtype, what: str) -> np.ndarray:
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise FileNotFoundError(f'Cannot read the Cityscapes {what} {path}: the file is missing '
                                f'or not an image; see {DOCS}.')
    if raw.dtype != dtype or raw.ndim != 2:
        raise ValueError(f'{path} is not a Cityscapes {what}: expected a single-channel '
                         f'{np.dtype(dtype).name} PNG, got {raw.dtype} of shape {raw.shape}; '
                         f'see {DOCS}.')
    return raw


def read_rgb(path: PathLike) -> np.ndarray:
    """uint8 RGB, H×W×3."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f'Cannot read the Cityscapes image {path}; see {DOCS}.')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_label_ids(path: PathLike) -> np.ndarray:
    """uint8 label ids, H×W."""
    return _read_png(path, np.uint8, 'gtFine_labelIds map')


def read_camera(path: PathLike) -> Tuple[float, np.ndarray]:
    """``(baseline in metres, 3×3 intrinsics)`` from a camera json."""
    try:
        with open(path) as f:
            camera = json.load(f)
        baseline = float(camera['extrinsic']['baseline'])
        k = camera['intrinsic']
        fx, fy, u0, v0 = (float(k[key]) for key in ('fx', 'fy', 'u0', 'v0'))
    except FileNotFoundError:
        raise FileNotFoundError(f'Cityscapes camera file {path} is missing '
                                f'(camera_trainvaltest.zip); see {DOCS}.') from None
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
        raise ValueError(f'{path} is not a Cityscapes camera json (needs extrinsic.baseline and '
                         f'intrinsic.fx/fy/u0/v0): {error!r}; see {DOCS}.') from None
    if baseline <= 0 or fx <= 0:
        raise ValueError(f'{path}: baseline and fx must be positive, got {baseline}, {fx}')
    return baseline, np.array([[fx, 0, u0], [0, fy, v0], [0, 0, 1]], dtype=np.float64)


def disparity_to_depth(raw: np.ndarray, baseline: float, fx: float) -> np.ndarray:
    """float32 metres from the 16-bit disparity values; 0 where p = 0 or the disparity is 0."""
    disparity = (raw.astype(np.float64) - 1.0) / 256.0
    valid = (raw > 0) & (disparity > 0)
    depth = np.zeros(raw.shape, dtype=np.float32)
    depth[valid] = baseline * fx / disparity[valid]
    return depth


def read_depth(disparity_path: PathLike, camera_path: PathLike) -> Tuple[np.ndarray, np.ndarray]:
    """``(depth in metres H×W float32, 3×3 intrinsics)``."""
    baseline, intrinsics = read_camera(camera_path)
    raw = _read_png(disparity_path, np.uint16, 'disparity map')
    return disparity_to_depth(raw, baseline, intrinsics[0, 0]), intrinsics
