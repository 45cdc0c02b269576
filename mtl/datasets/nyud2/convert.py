"""Per-frame conversion of ``nyu_depth_v2_labeled.mat`` into the prepared layout.

Runs in the worker processes of ``tools/prepare_nyud2.py`` (each opens the .mat itself). A
frame's files are written only where missing or undecodable, then decoded and hashed again, so
a resumed run both skips finished work and verifies it.
"""
from pathlib import Path
from typing import Dict, List

import numpy as np

from mtl.datasets.nyud2.mat import LabeledMat
from mtl.datasets.nyud2.meta import check_depth
from mtl.datasets.image_io import open_image
from mtl.datasets.nyud2.prepared import (KINDS, depth_to_png, frame_files, manifest_entries,
                                          write_png)

_WORKER: dict = {}


def init_worker(mat_path: str, out: str) -> None:
    """Give this process its own reader of the .mat and the output folder."""
    _WORKER['reader'] = LabeledMat(Path(mat_path))
    _WORKER['out'] = Path(out)


def _frame_array(reader: LabeledMat, index: int, kind: str) -> np.ndarray:
    if kind == 'rgb':
        return reader.image(index)
    if kind == 'label':
        return reader.labels(index)
    depth = reader.depth(index, 'filled' if kind == 'depth' else 'raw')
    return depth_to_png(check_depth(depth, f'frame {index}', str(reader.path)))


def _file_ok(path: Path, kind: str, shape: tuple) -> bool:
    if not path.is_file():
        return False
    try:
        image = open_image(path, kind)
    except ValueError:  # undecodable
        return False
    expected = ('RGB' if kind == 'rgb' else 'I;16', (shape[1], shape[0]))
    return (image.mode, image.size) == expected


def prepare_frame(index: int) -> Dict[str, list]:
    """Write the frame's missing or undecodable files; return each file's [size, sha1]."""
    reader, out = _WORKER['reader'], _WORKER['out']
    files = frame_files(index)
    bad: List[str] = []
    for attempt in range(2):
        bad = [k for k in KINDS if not _file_ok(out / files[k], k, reader.shape())]
        if not bad:
            return manifest_entries(out, files.values())
        if attempt == 0:
            for kind in bad:
                write_png(out / files[kind], _frame_array(reader, index, kind))
    raise OSError(f'{out}: the files {bad} of frame {index} cannot be written and read back.')
