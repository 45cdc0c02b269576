"""The prepared NYU Depth v2 layout: one lossless PNG per frame and kind, and a manifest.

Written once by ``tools/prepare_nyud2.py`` from ``nyu_depth_v2_labeled.mat``::

    prepared/
      rgb/00000.png        uint8 RGB (stored BGR by OpenCV), frame 0 of the 1449
      depth/00000.png      uint16 millimetres of the in-painted ``depths``; 0 = invalid
      raw_depth/00000.png  uint16 millimetres of ``rawDepths``; 0 = invalid
      label/00000.png      uint16 raw NYU labels (0..894): the class count stays a load-time choice
      splits.mat  classMapping40.mat  class13Mapping.mat   copies of the small files
      manifest.json

Frames are numbered by their 0-based index in the .mat, whatever their split. Millimetres
quantise depth to ±0.5 mm, the convention of the BTS layout.

``manifest.json`` holds the format version, the source's fingerprint (size and SHA-1 of its
first MiB), the frame count, size and scene names, and the size and SHA-1 of every file with a
digest over them. The dataset refuses a manifest of another version, an edited file list, a
missing or resized file, or a source .mat that differs from the one prepared.
"""
import hashlib
import json
import os
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

import numpy as np

from mtl.datasets.image_io import read_depth_png, read_label_map, read_rgb
from mtl.datasets.nyud2.mat import source_fingerprint

FORMAT = 'mtl-nyud2-prepared'
VERSION = 1
MANIFEST = 'manifest.json'
KINDS = ('rgb', 'depth', 'raw_depth', 'label')
DEPTH_KINDS = {'filled': 'depth', 'raw': 'raw_depth'}
DEPTH_SCALE = 1000.0  # stored value per metre
RERUN = 'Re-run `python tools/prepare_nyud2.py DATA_ROOT` (add --overwrite to start afresh).'


class PreparedLayoutError(ValueError):
    """The prepared layout does not match its manifest or its source."""


def frame_file(kind: str, index: int) -> str:
    return f'{kind}/{index:05d}.png'


def frame_files(index: int) -> Dict[str, str]:
    return {kind: frame_file(kind, index) for kind in KINDS}


def sha1_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha1()
    with open(path, 'rb') as fh:
        for block in iter(lambda: fh.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def files_digest(files: Dict[str, list]) -> str:
    """SHA-1 over the sorted (path, size, sha1) entries: one number for the whole set."""
    digest = hashlib.sha1()
    for rel in sorted(files):
        size, sha1 = files[rel]
        digest.update(f'{rel}\t{size}\t{sha1}\n'.encode())
    return digest.hexdigest()


def depth_to_png(depth: np.ndarray) -> np.ndarray:
    """Metres → uint16 millimetres (valid up to 65.535 m; NYU depth is below 10 m)."""
    if depth.size and float(depth.max()) * DEPTH_SCALE > np.iinfo(np.uint16).max:
        raise ValueError(f'depth {float(depth.max()):.1f} m does not fit a uint16 millimetre PNG.')
    return np.round(depth * DEPTH_SCALE).astype(np.uint16)


def write_png(path: Path, array: np.ndarray) -> None:
    """Write atomically (a temporary name then a rename), so an interrupted run leaves no
    half-written file under the final name."""
    import cv2
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + '.part.png')
    if array.ndim == 3:
        array = np.ascontiguousarray(array[..., ::-1])  # RGB → BGR for OpenCV
    if not cv2.imwrite(str(tmp), array):
        raise OSError(f'could not write {tmp}')
    os.replace(tmp, path)


def read_frame(root: Path, index: int, depth_type: str = 'filled'
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(RGB uint8 H×W×3, depth float32 H×W metres, raw labels int64 H×W) of one frame."""
    root = Path(root)
    try:
        rgb = read_rgb(root / frame_file('rgb', index))
        depth = read_depth_png(root / frame_file(DEPTH_KINDS[depth_type], index), DEPTH_SCALE,
                               'prepared depth PNG')
        labels = read_label_map(root / frame_file('label', index))
    except (FileNotFoundError, ValueError) as error:
        raise PreparedLayoutError(f'{error} {RERUN}') from None
    return rgb, depth, labels


def manifest_entries(root: Path, rels: Iterable[str]) -> Dict[str, list]:
    return {rel: [(Path(root) / rel).stat().st_size, sha1_of(Path(root) / rel)] for rel in rels}


def write_manifest(root: Path, source: dict, reader_info: dict, files: Dict[str, list],
                   aux: Iterable[str]) -> dict:
    manifest = dict(format=FORMAT, version=VERSION, source=source, **reader_info,
                    depth_scale=DEPTH_SCALE, kinds=list(KINDS), aux=sorted(aux),
                    num_files=len(files), digest=files_digest(files), files=files)
    tmp = Path(root) / (MANIFEST + '.part')
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, Path(root) / MANIFEST)
    return manifest


def _refuse(root: Path, problem: str) -> PreparedLayoutError:
    return PreparedLayoutError(f'The prepared NYU Depth v2 layout in {root} does not match its '
                               f'manifest: {problem}. {RERUN}')


def _check_structure(root: Path, manifest: dict) -> Dict[str, list]:
    if manifest.get('format') != FORMAT or manifest.get('version') != VERSION:
        raise _refuse(root, f'format {manifest.get("format")!r} version '
                            f'{manifest.get("version")!r}, this code reads {FORMAT!r} version '
                            f'{VERSION}')
    files = manifest.get('files') or {}
    num_frames = int(manifest.get('num_frames', -1))
    expected = {rel for i in range(num_frames) for rel in frame_files(i).values()}
    expected |= set(manifest.get('aux', ()))
    if set(files) != expected or manifest.get('num_files') != len(files):
        raise _refuse(root, f'its file list does not cover the {num_frames} frames '
                            f'({len(files)} entries, {len(expected)} expected)')
    if files_digest(files) != manifest.get('digest'):
        raise _refuse(root, 'the digest over its file entries is wrong (edited or damaged)')
    return files


def load_manifest(root: Path, source_mat: Optional[Path] = None, verify_sha1: bool = False
                  ) -> dict:
    """Read and check ``manifest.json``: structure, digest, every file's size (and SHA-1 when
    ``verify_sha1``), and the fingerprint of ``source_mat`` when that file exists."""
    root = Path(root)
    path = root / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f'{root} has no {MANIFEST}: the prepared layout is missing or '
                                f'unfinished. {RERUN}')
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _refuse(root, f'{MANIFEST} is not valid JSON ({err})') from err
    files = _check_structure(root, manifest)
    bad = []
    for rel, (size, sha1) in files.items():
        file = root / rel
        if not file.is_file() or file.stat().st_size != size:
            bad.append(rel)
        elif verify_sha1 and sha1_of(file) != sha1:
            bad.append(rel)
    if bad:
        raise _refuse(root, f'{len(bad)} files are missing or changed, e.g. {bad[:3]}')
    if source_mat is not None and Path(source_mat).is_file():
        if source_fingerprint(source_mat) != manifest.get('source'):
            raise _refuse(root, f'it was prepared from a different {Path(source_mat).name} '
                                f'than the one in {Path(source_mat).parent}')
    return manifest
