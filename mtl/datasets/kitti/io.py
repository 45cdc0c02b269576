"""Readers for the files of the KITTI depth prediction benchmark and the KITTI raw data.

Uhrig et al., *Sparsity Invariant CNNs* (3DV 2017) released the benchmark; Geiger et al.,
*Vision meets Robotics: The KITTI Dataset* (IJRR 2013) the raw recordings and calibration.

* Depth PNG: single-channel uint16, metres = value / 256, 0 = no measurement.
* ``calib_cam_to_cam.txt``: one ``key: numbers`` line per entry; ``P_rect_0c`` holds the
  12 numbers of camera ``c``'s rectified 3×4 projection matrix (row-major), whose left
  3×3 block is the pinhole intrinsics of the rectified image ``image_0c``.
* ``depth_selection/*/intrinsics/*.txt``: the 9 numbers of the 3×3 intrinsics, row-major.
* Split lists in the BTS layout (``eigen_test_files_with_gt.txt``), parsed by
  :mod:`mtl.datasets.bts_list`.
"""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mtl.datasets import image_io
from mtl.datasets.bts_list import SplitEntry, read_bts_list

PathLike = Union[str, Path]

KITTI_DEPTH_SCALE = 256.0


def read_depth_png(path: PathLike) -> np.ndarray:
    """Read a KITTI depth PNG as float32 metres (H×W), 0 where there is no measurement."""
    return image_io.read_depth_png(
        path, KITTI_DEPTH_SCALE, 'KITTI depth PNG',
        hint='Use the ground-truth files of data_depth_annotated.zip or depth_selection.zip, '
             'not a colour or 8-bit visualisation of them.')


def intrinsics_matrix(fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    """The 3×3 float64 pinhole matrix of focal lengths and principal point (pixels)."""
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]], dtype=np.float64)


def as_intrinsics(value: Union[Sequence[float], Sequence[Sequence[float]], np.ndarray]
                  ) -> np.ndarray:
    """Accept ``(fx, fy, cx, cy)`` or a 3×3 matrix; return the 3×3 float64 matrix."""
    array = np.asarray(value, dtype=np.float64)
    if array.shape == (4,):
        return intrinsics_matrix(*array)
    if array.shape == (3, 3):
        return array.copy()
    raise ValueError(f'intrinsics must be (fx, fy, cx, cy) or a 3×3 matrix, got shape '
                     f'{array.shape}.')


def read_calib_file(path: PathLike) -> Dict[str, np.ndarray]:
    """Parse a KITTI ``calib_*.txt`` file into ``{key: float64 array}``.

    Entries whose value is not a list of numbers (``calib_time: 09-Jan-2012 13:57:47``)
    are left out.
    """
    entries = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition(':')
        if not sep:
            continue
        try:
            entries[key.strip()] = np.array([float(v) for v in value.split()], dtype=np.float64)
        except ValueError:
            continue
    return entries


def read_cam_to_cam_intrinsics(path: PathLike, camera: str) -> np.ndarray:
    """Intrinsics of the rectified ``camera`` (``'image_02'``) from ``calib_cam_to_cam.txt``.

    ``P_rect_0c`` = K [I | t]: fx = P[0], cx = P[2], fy = P[5], cy = P[6].
    """
    key = f'P_rect_{camera[-2:]}'
    projection = read_calib_file(path).get(key)
    if projection is None or projection.size != 12:
        found = 'missing' if projection is None else f'{projection.size} numbers'
        raise ValueError(f'{path}: entry "{key}" with 12 numbers is needed for the '
                         f'intrinsics of {camera}, but it is {found}. Is this the '
                         f'calib_cam_to_cam.txt of the KITTI raw data?')
    p = projection
    return intrinsics_matrix(fx=p[0], fy=p[5], cx=p[2], cy=p[6])


def read_intrinsics_txt(path: PathLike) -> np.ndarray:
    """Read a ``depth_selection`` intrinsics file: 9 numbers, the 3×3 matrix row-major."""
    try:
        numbers = [float(v) for v in Path(path).read_text().split()]
    except ValueError as error:
        raise ValueError(f'{path}: an intrinsics file must hold 9 numbers ({error}).') from None
    if len(numbers) != 9:
        raise ValueError(f'{path}: an intrinsics file must hold the 9 numbers of a 3×3 matrix '
                         f'(row-major), found {len(numbers)}.')
    return np.array(numbers, dtype=np.float64).reshape(3, 3)


def read_split_list(path: PathLike) -> Tuple[List[SplitEntry], int]:
    """The entries of a BTS split list (:mod:`mtl.datasets.bts_list`) that have ground truth,
    and the number of lines skipped because their ``gt_path`` is ``None``.

    ``rgb_path`` is relative to the KITTI raw data root
    (``2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png``), ``gt_path``
    to the root of the annotated depth (``2011_09_26_drive_0002_sync/proj_depth/
    groundtruth/image_02/0000000069.png``).
    """
    entries = read_bts_list(path)
    with_gt = [entry for entry in entries if entry.gt_path is not None]
    return with_gt, len(entries) - len(with_gt)


def frame_shape_check(img: np.ndarray, depth: np.ndarray, img_path: str, depth_path: str
                      ) -> None:
    """Raise if an RGB frame and its depth map differ in size."""
    if img.shape[:2] != depth.shape:
        raise ValueError(f'The RGB frame {img_path} is {img.shape[0]}×{img.shape[1]} but its '
                         f'ground truth {depth_path} is {depth.shape[0]}×{depth.shape[1]}; '
                         f'they must come from the same camera and release.')


def optional_path(value: Optional[PathLike], base: Path, default: str) -> Path:
    """``value`` resolved against ``base`` when relative; ``base / default`` when None."""
    if value is None:
        return base / default
    path = Path(value)
    return path if path.is_absolute() else base / path
