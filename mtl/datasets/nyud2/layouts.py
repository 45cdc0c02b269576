"""The two preprocessed NYU Depth v2 layouts users commonly already have.

BTS / depth-toolbox layout (Lee et al., "From Big to Small", 2019): a list file with one
``rgb_path gt_path focal`` line per sample (e.g. ``nyudepthv2_test_files_with_gt.txt``, read by
:mod:`mtl.datasets.bts_list`), RGB
JPGs and uint16 millimetre PNG depth (0 = invalid). The test list's paths are relative to
``official_splits/test/`` (written from the labelled .mat by BTS's extraction script), the
train list's to ``sync/`` (frames of the raw sequences). Depth only: no labels.

NYUD_MT layout (the multi-task survey of Vandenhende et al., TPAMI 2021, from ASTMT, Maninis
et al., CVPR 2019): ``gt_sets/{train,val}.txt`` ids (its ``val`` is the official 654-frame test
set), ``images/ID.jpg``, ``segmentation/ID.png`` (40 classes, 0 = background → ignore, k → k−1),
``depth/ID.npy`` (H×W metres, 0 = invalid), ``normals/ID.npy`` and ``edge/ID.npy``.
Normals are read as H×W×3 unit vectors in [−1, 1] in our camera convention (x right, y down,
z forward), stored uint8 ones as 2·v/255 − 1; we cannot check the sign convention of every copy
against the release, so verify it on a flat floor if it matters to you. Non-finite normal
vectors become invalid (zero). Edges (> 0.5) become ``contours``. A task whose folder is absent
is absent from the samples.
"""
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from mtl.datasets.bts_list import read_bts_list
from mtl.datasets.image_io import load_npy, read_depth_png, read_label_map, read_rgb
from mtl.datasets.nyud2.meta import DOCS, NYU_FX, nyu_intrinsics
from mtl.datasets.nyud2.prepared import DEPTH_SCALE  # millimetres, as in BTS's PNGs
from mtl.datasets.nyud2.sources import select_split

BTS_LIST_GLOB = '*{split}_files_with_gt.txt'
NYUD_MT_TASKS = {'depth': 'depth', 'seg': 'segmentation', 'normals': 'normals',
                 'contours': 'edge'}
NYUD_MT_EXT = {'depth': '.npy', 'seg': '.png', 'normals': '.npy', 'contours': '.npy'}


def _missing(paths: List[Path], what: str) -> None:
    absent = [p for p in paths if not p.is_file()]
    if absent:
        raise FileNotFoundError(f'NYU Depth v2: {len(absent)} {what} files are missing, e.g. '
                                f'{absent[0]}. See {DOCS}.')


class BTSSource:
    """Samples of a BTS list file; ``split='test'`` reads the test list, 'train'/'val' the train
    list (val carved by scene, the list paths' first folder).

    Args:
        root: the folder holding the list file(s) and the images.
        list_file: the list file, relative to ``root``; default: the one file matching
            ``*test_files_with_gt.txt`` / ``*train_files_with_gt.txt`` in ``root`` or
            ``root/train_test_inputs``.
        image_root: the folder the list's paths are relative to; default: the first of
            ``official_splits/<split>``, ``sync`` and ``root`` that holds the first image.
    """

    layout = 'bts'
    label_classes = None
    targets = ('depth',)

    def __init__(self, root: Path, split: str, val_from_train: bool,
                 list_file: Optional[str] = None, image_root: Optional[str] = None):
        self.root = self.mapping_dir = Path(root)
        list_split = 'test' if split == 'test' else 'train'
        self.list_path = self._find_list(list_split, list_file)
        self.source_name = str(self.list_path)
        entries = read_bts_list(self.list_path)
        self.base = self._find_base(list_split, entries[0].rgb_path, image_root)
        groups = [e.rgb_path.split('/')[0] if '/' in e.rgb_path else '' for e in entries]
        self.entries = select_split(split, entries, entries, groups, val_from_train)
        self.ids = [e.rgb_path.rsplit('.', 1)[0] for e in self.entries]
        _missing([self.base / e.rgb_path for e in self.entries], 'RGB')
        _missing([self.base / e.gt_path for e in self.entries if e.gt_path is not None], 'depth')

    def _find_list(self, list_split: str, list_file: Optional[str]) -> Path:
        if list_file is not None:
            path = self.root / list_file
            if not path.is_file():
                raise FileNotFoundError(f'BTS list file {path} not found. See {DOCS}.')
            return path
        pattern = BTS_LIST_GLOB.format(split=list_split)
        found = sorted(self.root.glob(pattern)) + sorted(self.root.glob(
            f'train_test_inputs/{pattern}'))
        if len(found) != 1:
            raise FileNotFoundError(
                f'BTS layout: expected one list file matching "{pattern}" in {self.root} or '
                f'{self.root / "train_test_inputs"}, found {[str(p) for p in found]}. Pass '
                f'list_file=... to choose. See {DOCS}.')
        return found[0]

    def _find_base(self, list_split: str, first_rgb: str, image_root: Optional[str]) -> Path:
        candidates = ([self.root / image_root] if image_root is not None else
                      [self.root / 'official_splits' / list_split, self.root / 'sync', self.root])
        for base in candidates:
            if (base / first_rgb).is_file():
                return base
        raise FileNotFoundError(
            f'BTS layout: the first image of {self.list_path}, {first_rgb}, is in none of '
            f'{[str(c) for c in candidates]}. Pass image_root=... . See {DOCS}.')

    def load(self, i: int) -> Dict[str, object]:
        entry = self.entries[i]
        img = read_rgb(self.base / entry.rgb_path)
        intrinsics = nyu_intrinsics(*img.shape[:2])
        # the list's focal length, NYU's aspect and centre
        intrinsics[:2, :2] *= entry.focal / NYU_FX
        sample = {'img': img, 'meta': {'intrinsics': intrinsics, 'focal': entry.focal}}
        if entry.gt_path is not None:
            sample['depth'] = read_depth_png(self.base / entry.gt_path, DEPTH_SCALE,
                                             'BTS depth PNG (uint16 millimetres)')
        return sample


class NYUDMTSource:
    """Samples of the NYUD_MT layout; 'test' reads ``gt_sets/test.txt`` when present, else
    ``gt_sets/val.txt`` (the 654 official test frames); 'val' is carved from train."""

    layout = 'nyud_mt'
    label_classes = 40

    def __init__(self, root: Path, split: str, val_from_train: bool):
        self.root = self.mapping_dir = Path(root)
        self.source_name = str(self.root)
        train = self._ids('train.txt')
        test = self._ids('test.txt' if (self.root / 'gt_sets' / 'test.txt').is_file()
                         else 'val.txt')
        self.ids = select_split(split, train, test, train, val_from_train)
        self.targets = tuple(t for t, folder in NYUD_MT_TASKS.items()
                             if (self.root / folder).is_dir())
        _missing([self.root / 'images' / f'{i}.jpg' for i in self.ids], 'image')
        for task in self.targets:
            _missing([self._path(task, i) for i in self.ids], NYUD_MT_TASKS[task])

    def _ids(self, name: str) -> List[str]:
        path = self.root / 'gt_sets' / name
        if not path.is_file():
            raise FileNotFoundError(f'NYUD_MT layout: {path} not found. See {DOCS}.')
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]

    def _path(self, task: str, sample_id: str) -> Path:
        return self.root / NYUD_MT_TASKS[task] / (sample_id + NYUD_MT_EXT[task])

    def load(self, i: int) -> Dict[str, object]:
        sample_id = self.ids[i]
        img = read_rgb(self.root / 'images' / f'{sample_id}.jpg')
        sample = {'img': img, 'meta': {}}
        if 'depth' in self.targets:
            depth = load_npy(self._path('depth', sample_id), 'NYUD_MT depth')
            sample['depth'] = depth.astype(np.float32).squeeze()
        if 'seg' in self.targets:
            sample['labels'] = read_label_map(self._path('seg', sample_id))
        if 'normals' in self.targets:
            normals = load_npy(self._path('normals', sample_id), 'NYUD_MT normals')
            sample['normals'] = _normals(normals, sample_id)
        if 'contours' in self.targets:
            edge = load_npy(self._path('contours', sample_id), 'NYUD_MT edge').squeeze()
            sample['contours'] = (edge > 0.5).astype(np.uint8)
        return sample


def _normals(array: np.ndarray, sample_id: str) -> np.ndarray:
    """H×W×3 unit vectors; zero (and non-finite) vectors mark invalid pixels."""
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f'NYUD_MT sample {sample_id}: normals have shape {array.shape}, '
                         f'expected H×W×3.')
    normals = (array.astype(np.float32) * (2.0 / 255.0) - 1.0 if array.dtype == np.uint8
               else array.astype(np.float32))
    normals[~np.isfinite(normals).all(-1)] = 0.0
    norm = np.linalg.norm(normals, axis=-1, keepdims=True)
    return np.where(norm > 1e-6, normals / np.maximum(norm, 1e-6), 0.0).astype(np.float32)
