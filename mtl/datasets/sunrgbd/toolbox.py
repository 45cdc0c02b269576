"""Readers for the files of the SUN RGB-D release (Song, Lichtenberg & Xiao, CVPR 2015) as
downloaded from rgbd.cs.princeton.edu: ``SUNRGBD.zip`` and ``SUNRGBDtoolbox.zip``.

- ``SUNRGBDtoolbox/Metadata/SUNRGBDMeta.mat`` (MATLAB v7): struct array ``SUNRGBDMeta``, one
  entry per frame (10335), with ``rgbpath`` / ``depthpath`` (absolute paths on the authors'
  server, ``/n/fs/sun3d/data/SUNRGBD/<sensor>/<...>/<frame>/image/<rgbname>``), ``rgbname``,
  ``depthname`` and ``K`` (3×3 intrinsics).
- ``SUNRGBDtoolbox/Metadata/SUNRGBD2Dseg.mat`` (MATLAB v7.3, HDF5): struct ``SUNRGBD2Dseg``
  whose field ``seglabel`` holds one reference per frame, in the order of ``SUNRGBDMeta``, to
  the 37-class label map (stored transposed, W×H; 0 = unlabelled, 1..37 the classes of
  ``seg37list.mat``).
- ``SUNRGBDtoolbox/traintestSUNRGBD/allsplit.mat`` (MATLAB v7): cell arrays ``alltrain``
  (5285 frame folders) and ``alltest`` (5050), in the same server-path form.
- Per frame folder under ``SUNRGBD/``: ``image/*.jpg``, ``depth/*.png`` (raw) and
  ``depth_bfx/*.png`` (filled), ``intrinsics.txt`` (the 3×3 matrix, row-major).

Depth PNGs hold millimetres rotated left by 3 bits in 16 bits; the toolbox reads them with
``bitor(bitshift(d, -3), bitshift(d, 16 - 3))`` and divides by 1000 (``read3dPoints.m``).
"""
from pathlib import Path
from typing import Dict, List, Sequence

import cv2
import h5py
import numpy as np
import scipy.io

DOCS = 'docs/datasets.md (section "SUN RGB-D")'
META_MAT = 'SUNRGBDtoolbox/Metadata/SUNRGBDMeta.mat'
SEG_MAT = 'SUNRGBDtoolbox/Metadata/SUNRGBD2Dseg.mat'
SPLIT_MAT = 'SUNRGBDtoolbox/traintestSUNRGBD/allsplit.mat'
IMAGES_DIR = 'SUNRGBD'
SERVER_MARKER = '/SUNRGBD/'  # the .mat files' paths are relative to the first such folder


def decode_depth(raw: np.ndarray) -> np.ndarray:
    """Metres from a SUN RGB-D depth PNG (uint16): a circular shift right by 3 bits in 16
    bits, then millimetres to metres. 0 stays 0 (no measurement)."""
    if raw.dtype != np.uint16:
        raise ValueError(f'a SUN RGB-D depth PNG is 16-bit, got {raw.dtype}')
    millimetres = (raw >> 3) | (raw << 13)  # uint16 arithmetic wraps: the rotation
    return millimetres.astype(np.float32) / 1000.0


def frame_dir(server_path: str) -> str:
    """A frame folder relative to ``SUNRGBD/`` from a server path of the .mat files
    (``/n/fs/sun3d/data/SUNRGBD/kv1/NYUdata/NYU0001/`` → ``kv1/NYUdata/NYU0001``)."""
    path = '/' + server_path.replace('\\', '/').strip('/') + '/'
    start = path.find(SERVER_MARKER)
    if start < 0:
        raise ValueError(f'"{server_path}" does not name a folder under SUNRGBD/. See {DOCS}.')
    return path[start + len(SERVER_MARKER):].strip('/')


def _strings(value) -> List[str]:
    return [str(v) for v in np.atleast_1d(value)]


def read_split(path: Path) -> Dict[str, List[str]]:
    """``{'train': [frame dirs], 'test': [...]}`` from ``allsplit.mat``."""
    mat = scipy.io.loadmat(str(path), squeeze_me=True, struct_as_record=False)
    missing = [k for k in ('alltrain', 'alltest') if k not in mat]
    if missing:
        raise ValueError(f'{path} has no {missing}: is it the toolbox\'s '
                         f'traintestSUNRGBD/allsplit.mat? See {DOCS}.')
    return {'train': [frame_dir(p) for p in _strings(mat['alltrain'])],
            'test': [frame_dir(p) for p in _strings(mat['alltest'])]}


def read_meta(path: Path) -> List[dict]:
    """One dict per frame of ``SUNRGBDMeta.mat``: ``dir`` (relative to ``SUNRGBD/``),
    ``rgbname``, ``depthname`` and ``K``."""
    mat = scipy.io.loadmat(str(path), squeeze_me=True, struct_as_record=False)
    if 'SUNRGBDMeta' not in mat:
        raise ValueError(f'{path} has no SUNRGBDMeta struct: is it the toolbox\'s '
                         f'Metadata/SUNRGBDMeta.mat? See {DOCS}.')
    frames = []
    for entry in np.atleast_1d(mat['SUNRGBDMeta']):
        rgb_path = str(entry.rgbpath)
        frames.append(dict(dir=frame_dir(rgb_path.rsplit('/', 2)[0]), rgbname=str(entry.rgbname),
                           depthname=str(entry.depthname),
                           K=np.asarray(entry.K, dtype=np.float64).reshape(3, 3)))
    return frames


class SegLabels:
    """The 37-class label maps of ``SUNRGBD2Dseg.mat``, read one at a time (the file is
    large). Opened lazily, so that each data-loader worker opens its own handle."""

    def __init__(self, path: Path):
        self.path = path
        with h5py.File(path, 'r') as f:
            if 'SUNRGBD2Dseg' not in f or 'seglabel' not in f['SUNRGBD2Dseg']:
                raise ValueError(f'{path} has no SUNRGBD2Dseg.seglabel: is it the toolbox\'s '
                                 f'Metadata/SUNRGBD2Dseg.mat (MATLAB v7.3)? See {DOCS}.')
            self.count = int(np.prod(f['SUNRGBD2Dseg']['seglabel'].shape))
        self._file = None

    def __getitem__(self, index: int) -> np.ndarray:
        """Labels of frame ``index`` (H×W, 0 = unlabelled, 1..37)."""
        if self._file is None:
            self._file = h5py.File(self.path, 'r')
        refs = self._file['SUNRGBD2Dseg']['seglabel']
        return np.asarray(self._file[refs[()].reshape(-1)[index]]).T

    def __getstate__(self):  # h5py handles do not pickle: each worker reopens
        return {**self.__dict__, '_file': None}


def read_image(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f'SUN RGB-D: cannot read the image {path}. See {DOCS}.')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_depth(path: Path) -> np.ndarray:
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise FileNotFoundError(f'SUN RGB-D: cannot read the depth PNG {path}. See {DOCS}.')
    if raw.dtype != np.uint16 or raw.ndim != 2:
        raise ValueError(f'{path} is not a SUN RGB-D depth PNG: expected one 16-bit channel, got '
                         f'{raw.dtype} with shape {raw.shape}. See {DOCS}.')
    return decode_depth(raw)


def read_intrinsics(path: Path, fallback: np.ndarray) -> np.ndarray:
    """The frame's ``intrinsics.txt`` (9 numbers, row-major), or ``fallback`` (the meta's K)."""
    if not path.is_file():
        return fallback
    numbers: Sequence[float] = [float(v) for v in path.read_text().split()]
    if len(numbers) != 9:
        raise ValueError(f'{path}: expected the 9 numbers of a 3×3 matrix, found {len(numbers)}.')
    return np.array(numbers, dtype=np.float64).reshape(3, 3)
