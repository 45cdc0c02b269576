"""Reader of ``nyu_depth_v2_labeled.mat`` (Silberman et al., ECCV 2012), MATLAB v7.3 through h5py.

A v7.3 .mat is an HDF5 file behind a 512-byte user block whose first bytes are MATLAB's text
header. HDF5 stores MATLAB arrays with every axis reversed: ``images`` is (N, 3, W, H) uint8,
``depths``/``rawDepths`` (N, W, H) float32 metres, ``labels`` (N, W, H) uint16 (0 = unlabelled,
k = ``names{k}``). Cell arrays of strings (``names``, ``scenes``) are (1, N) datasets of object
references to (n_chars, 1) uint16 char arrays under ``#refs#``.

h5py handles must not cross a fork: the file is opened on first use in each process (the
DataLoader's workers included) and never pickled.
"""
import hashlib
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from mtl.datasets.nyud2.meta import DOCS, DOWNLOAD_URLS, LABELED_MAT, missing_file_error

REQUIRED = ('images', 'depths', 'labels')
DEPTH_KEYS = {'filled': 'depths', 'raw': 'rawDepths'}
HEADER_BYTES = 1 << 20  # the part of the file hashed to fingerprint it
_V73_TEXT = b'MATLAB 7.3 MAT-file'
_V5_TEXT = b'MATLAB 5.0 MAT-file'
_HDF5_SIGNATURE = b'\x89HDF\r\n\x1a\n'


def source_fingerprint(path: Path) -> Dict[str, object]:
    """Size and SHA-1 of the first MiB of a file: cheap, and changes with any re-download."""
    path = Path(path)
    with open(path, 'rb') as fh:
        head = fh.read(HEADER_BYTES)
    return {'file': path.name, 'size': path.stat().st_size,
            'header_sha1': hashlib.sha1(head).hexdigest()}


def _redownload(path: Path) -> str:
    return (f'Delete it and download it again from {DOWNLOAD_URLS[LABELED_MAT]} '
            f'(about 2.8 GB); see {DOCS}.')


def _check_header(path: Path) -> None:
    """Recognise files that are not a v7.3 .mat before HDF5 gives a cryptic error."""
    with open(path, 'rb') as fh:
        head = fh.read(520)
    if head.startswith(_V5_TEXT):
        raise ValueError(f'{path} is a MATLAB v5 .mat file, not the v7.3 (HDF5) labelled set '
                         f'{LABELED_MAT}. Small .mat files such as splits.mat or '
                         f'classMapping40.mat go next to it. {_redownload(path)}')
    if head.startswith(_V73_TEXT) or _HDF5_SIGNATURE in (head[:8], head[512:520]):
        return
    raise ValueError(f'{path} is not a MATLAB v7.3 .mat file (no MATLAB 7.3 header, no HDF5 '
                     f'signature): expected {LABELED_MAT}. The raw NYU dumps (.pgm/.ppm/.dump) '
                     f'and the toolbox .m files are not read. {_redownload(path)}')


def decode_char(dataset) -> str:
    """A MATLAB char array (uint16 codes, any shape) as a Python string."""
    if 'MATLAB_empty' in dataset.attrs and int(np.asarray(dataset.attrs['MATLAB_empty'])):
        return ''
    codes = np.asarray(dataset[()]).ravel()
    return ''.join(map(chr, codes.astype(np.int64)))


def decode_cellstr(h5file, key: str) -> List[str]:
    """A (1, N) cell array of strings, dereferencing each cell into ``#refs#``."""
    refs = np.asarray(h5file[key][()]).ravel()
    return [decode_char(h5file[ref]) for ref in refs]


class LabeledMat:
    """Frames of the labelled NYU Depth v2 set, read one at a time from the v7.3 .mat.

    Args:
        path: the ``nyu_depth_v2_labeled.mat`` file.

    Attributes set on construction (the file is then closed again): ``num_frames``,
    ``height``, ``width``, ``scenes`` (one per frame, or None when the file lacks them),
    ``has_raw_depth``; ``names`` (the 894 class names) is read on first use.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise missing_file_error(LABELED_MAT, self.path.parent)
        _check_header(self.path)
        self._h5 = None
        self._pid: Optional[int] = None
        self._names: Optional[List[str]] = None
        h5 = self._file()
        try:
            self._read_layout(h5)
        finally:
            self.close()

    def _read_layout(self, h5) -> None:
        missing = [k for k in REQUIRED if k not in h5]
        if missing:
            found = sorted(k for k in h5.keys() if k != '#refs#')
            raise ValueError(
                f'{self.path} lacks the datasets {missing} of the labelled NYU Depth v2 set '
                f'(it holds {found}): this is not {LABELED_MAT} (e.g. a raw-sequence or '
                f'toolbox file). Download {DOWNLOAD_URLS[LABELED_MAT]}; see {DOCS}.')
        images = h5['images'].shape
        if len(images) != 4 or images[1] != 3:
            raise ValueError(f'{self.path}: "images" has shape {images}, expected (N, 3, W, H) '
                             f'as MATLAB v7.3 stores H×W×3×N. Wrong file? See {DOCS}.')
        self.num_frames, _, self.width, self.height = (int(s) for s in images)
        expected = (self.num_frames, self.width, self.height)
        self.has_raw_depth = 'rawDepths' in h5
        for key in ('depths', 'labels') + (('rawDepths',) if self.has_raw_depth else ()):
            if tuple(h5[key].shape) != expected:
                raise ValueError(f'{self.path}: "{key}" has shape {tuple(h5[key].shape)}, '
                                 f'expected {expected} to match "images". The file is damaged '
                                 f'or not the labelled set. {_redownload(self.path)}')
        self.scenes = decode_cellstr(h5, 'scenes') if 'scenes' in h5 else None
        if self.scenes is not None and len(self.scenes) != self.num_frames:
            raise ValueError(f'{self.path}: {len(self.scenes)} scene names for '
                             f'{self.num_frames} frames. {_redownload(self.path)}')

    @property
    def names(self) -> Optional[List[str]]:
        if self._names is None:
            h5 = self._file()
            self._names = decode_cellstr(h5, 'names') if 'names' in h5 else []
        return self._names or None

    def _file(self):
        """The h5py handle of this process, opened on first use after a fork."""
        if self._h5 is None or self._pid != os.getpid():
            import h5py
            try:
                self._h5 = h5py.File(self.path, 'r')
            except OSError as err:
                raise OSError(f'{self.path} is truncated or corrupt and cannot be opened as '
                              f'HDF5 ({err}). {_redownload(self.path)}') from err
            self._pid = os.getpid()
        return self._h5

    def close(self) -> None:
        if self._h5 is not None and self._pid == os.getpid():
            self._h5.close()
        self._h5, self._pid = None, None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state['_h5'], state['_pid'] = None, None
        return state

    def __len__(self) -> int:
        return self.num_frames

    def _read(self, key: str, index: int) -> np.ndarray:
        if not 0 <= index < self.num_frames:
            raise IndexError(f'frame {index} is out of range for the {self.num_frames} frames '
                             f'of {self.path}.')
        try:
            return np.asarray(self._file()[key][index])
        except (OSError, RuntimeError, ValueError) as err:
            raise OSError(f'{self.path}: reading "{key}" of frame {index} failed ({err}); the '
                          f'file is corrupt. {_redownload(self.path)}') from err

    def image(self, index: int) -> np.ndarray:
        """RGB uint8 H×W×3 (from (3, W, H))."""
        return np.ascontiguousarray(self._read('images', index).transpose(2, 1, 0))

    def depth(self, index: int, depth_type: str = 'filled') -> np.ndarray:
        """float32 H×W metres: ``'filled'`` = in-painted ``depths``, ``'raw'`` = ``rawDepths``."""
        if depth_type not in DEPTH_KEYS:
            raise ValueError(f'depth_type must be one of {sorted(DEPTH_KEYS)}, got "{depth_type}".')
        if depth_type == 'raw' and not self.has_raw_depth:
            raise ValueError(f'{self.path} has no "rawDepths"; use depth_type="filled".')
        depth = self._read(DEPTH_KEYS[depth_type], index)
        return np.ascontiguousarray(depth.T.astype(np.float32, copy=False))

    def labels(self, index: int) -> np.ndarray:
        """Raw NYU labels uint16 H×W (0 = unlabelled, 1..894)."""
        return np.ascontiguousarray(self._read('labels', index).T.astype(np.uint16, copy=False))

    def shape(self) -> Tuple[int, int]:
        return self.height, self.width
