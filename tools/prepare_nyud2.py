"""Convert NYU Depth v2's ``nyu_depth_v2_labeled.mat`` once into the fast prepared layout.

Usage::

    python tools/prepare_nyud2.py DATA_ROOT [--out DIR] [--workers N] [--overwrite] [--verify]

DATA_ROOT holds ``nyu_depth_v2_labeled.mat``, ``splits.mat`` and ``classMapping40.mat`` (and
optionally ``class13Mapping.mat``). The output (default ``DATA_ROOT/prepared``, which
``NYUDv2Dataset(layout='auto')`` then picks up) is one lossless PNG per frame and kind plus
``manifest.json``; the format is described in ``mtl/datasets/nyud2/prepared.py``.

The run is idempotent (a finished, matching layout is left alone) and resumable: files are
written under a temporary name and renamed, so after an interruption the finished ones are
kept, and every frame is decoded and hashed again before the manifest is written.
"""
import argparse
import json
import os
import shutil
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from mtl.datasets.nyud2.convert import init_worker, prepare_frame
from mtl.datasets.nyud2.mat import LabeledMat, source_fingerprint
from mtl.datasets.nyud2.meta import (DOCS, LABELED_MAT, MAPPING13_MAT, MAPPING40_MAT,
                                      SPLITS_MAT, class_lut, load_splits, missing_file_error)
from mtl.datasets.nyud2.prepared import (KINDS, MANIFEST, PreparedLayoutError,
                                          load_manifest, manifest_entries, write_manifest)
from mtl.datasets.nyud2.sources import frame_source_info
from mtl.utils.cli import run_tool

SOURCE_STAMP = 'source.json'


def _check_inputs(root: Path, reader: LabeledMat) -> List[str]:
    """Validate the small files before the long run; return the ones to copy."""
    load_splits(root / SPLITS_MAT, reader.num_frames)
    class_lut(root, 40)
    aux = [SPLITS_MAT, MAPPING40_MAT]
    if (root / MAPPING13_MAT).is_file():
        class_lut(root, 13)
        aux.append(MAPPING13_MAT)
    return aux


def _reset(out: Path) -> None:
    for kind in KINDS:
        shutil.rmtree(out / kind, ignore_errors=True)
    for name in (MANIFEST, SOURCE_STAMP, SPLITS_MAT, MAPPING40_MAT, MAPPING13_MAT):
        (out / name).unlink(missing_ok=True)


def _claim(out: Path, fingerprint: dict, overwrite: bool) -> None:
    """Make ``out`` ours for this source: refuse frames of another source unless overwriting."""
    stamp = out / SOURCE_STAMP
    if overwrite:
        _reset(out)
    elif stamp.is_file() and json.loads(stamp.read_text()) != fingerprint:
        raise PreparedLayoutError(f'{out} holds frames prepared from a different {LABELED_MAT}. '
                                  f'Pass --overwrite to replace them.')
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(fingerprint))
    for part in out.glob('*/*.part.png'):
        part.unlink()


def _frame_results(mat: Path, out: Path, num_frames: int, workers: int) -> Iterator[dict]:
    if workers <= 1:
        init_worker(str(mat), str(out))
        yield from map(prepare_frame, range(num_frames))
        return
    # Fork starts workers at once; it is safe because this process holds no open HDF5 handle
    # here (LabeledMat closes the file after reading its layout) and each worker opens its own.
    method = 'fork' if 'fork' in get_all_start_methods() else 'spawn'
    with get_context(method).Pool(workers, init_worker, (str(mat), str(out))) as pool:
        yield from pool.imap_unordered(prepare_frame, range(num_frames), chunksize=4)


def _run_frames(mat: Path, out: Path, num_frames: int, workers: int, progress: bool
                ) -> Dict[str, list]:
    from tqdm import tqdm
    files: Dict[str, list] = {}
    with tqdm(total=num_frames, desc='NYU Depth v2 frames', unit='frame',
              disable=not progress) as bar:
        for entries in _frame_results(mat, out, num_frames, workers):
            files.update(entries)
            bar.update()
    return files


def prepare(data_root: Path, out: Optional[Path] = None, workers: int = 1,
            overwrite: bool = False, progress: bool = True) -> dict:
    """Prepare (or resume, or confirm) the layout of ``data_root``; return its manifest."""
    root = Path(data_root)
    if not root.is_dir():
        raise FileNotFoundError(f'{root} does not exist. Put the NYU Depth v2 files there as '
                                f'described in {DOCS}.')
    mat = root / LABELED_MAT
    if not mat.is_file():
        raise missing_file_error(LABELED_MAT, root)
    reader = LabeledMat(mat)
    aux = _check_inputs(root, reader)
    out = Path(out) if out is not None else root / 'prepared'
    if out.resolve() == root.resolve():
        raise ValueError(f'--out must be a folder of its own, not DATA_ROOT {root}.')
    fingerprint = source_fingerprint(mat)
    if not overwrite and (out / MANIFEST).is_file():
        try:
            manifest = load_manifest(out, mat)
            print(f'{out} is already prepared ({manifest["num_frames"]} frames); nothing to do.')
            return manifest
        except PreparedLayoutError as err:
            print(f'The existing layout is incomplete or stale, completing it. ({err})')
            (out / MANIFEST).unlink()
    _claim(out, fingerprint, overwrite)
    files = _run_frames(mat, out, reader.num_frames, max(1, workers), progress)
    for name in aux:
        shutil.copyfile(root / name, out / name)
    files.update(manifest_entries(out, aux))
    write_manifest(out, fingerprint, frame_source_info(reader), files, aux)
    manifest = load_manifest(out, mat)
    print(f'Prepared {manifest["num_frames"]} frames in {out} ({manifest["num_files"]} files, '
          f'digest {manifest["digest"][:12]}).')
    return manifest


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', type=Path, help='folder with nyu_depth_v2_labeled.mat, '
                        'splits.mat and classMapping40.mat')
    parser.add_argument('--out', type=Path, default=None,
                        help='output folder (default: DATA_ROOT/prepared)')
    parser.add_argument('--workers', type=int, default=min(8, os.cpu_count() or 1),
                        help='processes converting frames in parallel')
    parser.add_argument('--overwrite', action='store_true',
                        help='delete an existing prepared layout and start afresh')
    parser.add_argument('--verify', action='store_true',
                        help='only check an existing layout, hashing every file')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.verify:
        out = args.out or args.data_root / 'prepared'
        manifest = load_manifest(out, args.data_root / LABELED_MAT, verify_sha1=True)
        print(f'{out}: all {manifest["num_files"]} files match the manifest.')
        return 0
    prepare(args.data_root, args.out, args.workers, args.overwrite, not args.no_progress)
    return 0


if __name__ == '__main__':
    run_tool(main)
