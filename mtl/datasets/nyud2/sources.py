"""Frame sources of the original NYU Depth v2 release: the labelled .mat, or its prepared copy.

A source resolves a split to a list of frames and loads one frame as numpy arrays:
``img`` (H×W×3 uint8 RGB), ``depth`` (H×W float32 metres), ``labels`` (H×W raw NYU labels)
and ``meta`` extras. ``NYUDv2Dataset`` turns these into the sample contract.
"""
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from mtl.datasets.nyud2.mat import LabeledMat
from mtl.datasets.nyud2.meta import (LABELED_MAT, NUM_RAW_CLASSES, SPLITS_MAT, carve_val,
                                      load_splits)
from mtl.datasets.nyud2.prepared import DEPTH_KINDS, load_manifest, read_frame

SPLITS = ('train', 'val', 'test')


def select_split(split: str, train: Sequence, test: Sequence, train_groups: Sequence[str],
                 val_from_train: bool) -> list:
    """Members of ``split``: 'test' as given; 'val' carved from train by group (scene);
    'train' all of train, or train minus val when ``val_from_train``."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got "{split}".')
    if split == 'test':
        return list(test)
    keep, val = carve_val(list(train), list(train_groups))
    if split == 'val':
        return val
    return keep if val_from_train else list(train)


def _check_depth_type(depth_type: str) -> None:
    if depth_type not in DEPTH_KINDS:
        raise ValueError(f'depth_type must be one of {sorted(DEPTH_KINDS)}, got "{depth_type}".')


class _FrameSource:
    """Shared split logic of the .mat and the prepared layout (frames indexed 0..N-1)."""

    label_classes = NUM_RAW_CLASSES
    targets = ('depth', 'seg')

    def _select(self, splits_path: Path, num_frames: int, scenes: Optional[List[str]],
                split: str, val_from_train: bool) -> None:
        splits = load_splits(splits_path, num_frames)
        train = splits['train'].tolist()
        needs_scenes = split == 'val' or (split == 'train' and val_from_train)
        if needs_scenes and scenes is None:
            raise ValueError(f'{self.root}: the validation split is carved by scene, but the '
                             f'source has no scene names. Use split="train"/"test".')
        groups = [scenes[i] for i in train] if scenes is not None else [''] * len(train)
        self.frames = select_split(split, train, splits['test'].tolist(), groups,
                                   val_from_train)
        self.scenes = scenes
        self.ids = [f'{i:05d}' for i in self.frames]

    def _meta(self, index: int) -> Dict[str, object]:
        meta = {'frame_index': index}
        if self.scenes is not None:
            meta['scene'] = self.scenes[index]
        return meta


class MatSource(_FrameSource):
    """Frames read straight from ``nyu_depth_v2_labeled.mat`` (lazily opened per process)."""

    layout = 'mat'

    def __init__(self, root: Path, split: str, val_from_train: bool, depth_type: str):
        _check_depth_type(depth_type)
        self.root = self.mapping_dir = Path(root)
        self.reader = LabeledMat(self.root / LABELED_MAT)
        if depth_type == 'raw' and not self.reader.has_raw_depth:
            raise ValueError(f'{self.reader.path} has no "rawDepths"; use depth_type="filled".')
        self.depth_type = depth_type
        self.source_name = str(self.reader.path)
        self._select(self.root / SPLITS_MAT, self.reader.num_frames, self.reader.scenes, split,
                     val_from_train)

    def load(self, i: int) -> Dict[str, object]:
        index = self.frames[i]
        return {'img': self.reader.image(index),
                'depth': self.reader.depth(index, self.depth_type),
                'labels': self.reader.labels(index), 'meta': self._meta(index)}


class PreparedSource(_FrameSource):
    """Frames read from the PNG layout of ``tools/prepare_nyud2.py``, checked against its manifest.

    Args:
        root: the prepared folder (holding ``manifest.json``).
        source_mat: the .mat it was prepared from, checked when the file is present.
        verify_sha1: hash every file against the manifest (slow) instead of checking sizes.
    """

    layout = 'prepared'

    def __init__(self, root: Path, split: str, val_from_train: bool, depth_type: str,
                 source_mat: Optional[Path] = None, verify_sha1: bool = False):
        _check_depth_type(depth_type)
        self.root = self.mapping_dir = Path(root)
        manifest = load_manifest(self.root, source_mat, verify_sha1)
        self.depth_type = depth_type
        self.source_name = str(self.root)
        self._select(self.root / SPLITS_MAT, int(manifest['num_frames']),
                     manifest.get('scenes'), split, val_from_train)

    def load(self, i: int) -> Dict[str, object]:
        index = self.frames[i]
        img, depth, labels = read_frame(self.root, index, self.depth_type)
        return {'img': img, 'depth': depth, 'labels': labels, 'meta': self._meta(index)}


def frame_source_info(reader: LabeledMat) -> Dict[str, object]:
    """What the prepared manifest records about the frames of a .mat."""
    return {'num_frames': reader.num_frames, 'height': reader.height, 'width': reader.width,
            'scenes': reader.scenes, 'names': reader.names}

