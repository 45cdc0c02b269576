"""SynthRooms: procedural indoor rooms with exact depth, semantics, normals and contours.

The embedded default dataset of ``mtl``: every sample is rendered on demand by analytic
ray casting (:mod:`mtl.datasets.synthrooms.render`) of a random furnished room
(:mod:`mtl.datasets.synthrooms.scene`), deterministically from ``(seed, split, index)``,
so the main job, the tests and the benchmarks need no download.

Targets: metric z-depth in (0.1, 10] m, valid everywhere (every ray hits a surface;
depth is clipped to 10 m); 13 NYU-named classes or NYU's 4 super-classes (floor,
structure, furniture, prop); exact unit normals in camera coordinates, facing the
camera; contours, 1 on the nearer side of every change of object (which includes
every change of class and every depth discontinuity). Intrinsics follow NYU's field of
view (fx = fy = 0.81 W). The three splits draw from disjoint random streams.

No paper: the dataset is our own; its class names follow NYU Depth v2 (Silberman et al.,
ECCV 2012).
"""
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from torch.utils.data import Dataset

from mtl.datasets.metainfo import merge_metainfo
from mtl.registry import DATASETS, TRANSFORMS
from mtl.structures import IGNORE_INDEX
from mtl.datasets.synthrooms.render import MAX_DEPTH, MIN_DEPTH, intrinsics, render_scene
from mtl.datasets.synthrooms.scene import CLASSES, SUPER_CLASS_OF, SUPER_CLASSES, sample_scene

VERSION = 1  # bump whenever rendering changes: on-disk caches are keyed by it
SPLITS = ('train', 'val', 'test')
DEFAULT_NUM_SAMPLES = {'train': 1000, 'val': 100, 'test': 200}
TASKS = ('depth', 'seg', 'normals', 'contours')
_SPLIT_STREAM = {'train': 0, 'val': 1, 'test': 2}
PALETTE = ((120, 85, 60), (190, 190, 180), (240, 240, 230), (120, 190, 240), (140, 70, 30),
           (230, 60, 150), (220, 40, 40), (250, 170, 30), (150, 100, 200), (40, 160, 70),
           (240, 120, 40), (255, 240, 120), (30, 110, 220))
SUPER_PALETTE = ((120, 85, 60), (190, 190, 180), (220, 40, 40), (30, 110, 220))
_CACHE_LAYOUT = {'img': (np.uint8, 3), 'depth': (np.float32, 1), 'seg': (np.uint8, 0),
                 'normals': (np.float32, 3), 'contours': (np.uint8, 1)}


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f'SynthRooms: unknown split "{split}"; use one of {SPLITS}.')


def _check_size(img_size) -> Tuple[int, int]:
    try:
        height, width = (int(s) for s in img_size)
    except (TypeError, ValueError):
        raise ValueError(f'SynthRooms: img_size must be (H, W), got {img_size!r}.') from None
    if height <= 0 or width <= 0:
        raise ValueError(f'SynthRooms: img_size must be positive (H, W), got {img_size!r}.')
    return height, width


def render_sample(seed: int, index: int, img_size: Sequence[int] = (96, 128),
                  split: str = 'train') -> Dict[str, np.ndarray]:
    """Render sample ``index`` of ``split`` as numpy arrays in the contract's layout
    (``img``, ``depth``, ``seg`` with the 13 classes, ``normals``, ``contours``)."""
    _check_split(split)
    if seed < 0 or index < 0:
        raise ValueError(f'SynthRooms: seed and index must be >= 0, got {seed}, {index}.')
    scene = sample_scene(np.random.default_rng([_SPLIT_STREAM[split], int(seed), int(index)]))
    out = render_scene(scene, _check_size(img_size))
    del out['ids']
    return out


def _validated(arrays: Dict[str, np.ndarray], img_size: Tuple[int, int]) -> Dict[str, np.ndarray]:
    """Check that cached arrays have the layout this renderer writes (ValueError if not)."""
    for key, (dtype, channels) in _CACHE_LAYOUT.items():
        shape = ((channels,) if channels else ()) + tuple(img_size)
        if arrays[key].dtype != dtype or arrays[key].shape != shape:
            raise ValueError(f'"{key}" is {arrays[key].dtype} {arrays[key].shape}, '
                             f'expected {np.dtype(dtype)} {shape}')
    return arrays


class _DiskCache:
    """One ``.npz`` per sample in a folder named after a hash of the generation parameters."""

    def __init__(self, root: str, split: str, seed: int, img_size: Tuple[int, int]):
        params = {'version': VERSION, 'split': split, 'seed': seed, 'img_size': list(img_size)}
        digest = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
        self.folder = Path(root) / f'synthrooms_v{VERSION}_{split}_{digest}'
        self.img_size = img_size

    def path(self, index: int) -> Path:
        return self.folder / f'{index:06d}.npz'

    def load(self, index: int) -> Optional[Dict[str, np.ndarray]]:
        path = self.path(index)
        if not path.is_file():
            return None
        try:
            with np.load(path) as data:
                return _validated({key: data[key] for key in _CACHE_LAYOUT}, self.img_size)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise RuntimeError(
                f'SynthRooms cache file {path} is corrupt or incomplete ({err}). Delete it '
                f'(or the folder {self.folder}); it is regenerated on the next use.') from err

    def save(self, index: int, arrays: Dict[str, np.ndarray]) -> None:
        """Write to a temporary file in the same folder, then rename it into place."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix='.tmp')
        try:
            with os.fdopen(fd, 'wb') as f:
                np.savez(f, **arrays)
            os.replace(tmp, self.path(index))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@DATASETS.register_module()
class SynthRoomsDataset(Dataset):
    """Procedurally rendered indoor rooms (see the module docstring).

    Args:
        split: ``'train'``, ``'val'`` or ``'test'`` (disjoint random streams).
        num_samples: dataset length; defaults to 1000 / 100 / 200 per split.
        img_size: (H, W) of the rendered images.
        seed: base seed; sample ``i`` is a pure function of (seed, split, i, img_size).
        num_classes: 13 (NYU-named classes) or 4 (NYU super-classes).
        tasks: subset of ``('depth', 'seg', 'normals', 'contours')``; None = all. The
            others are left out of the samples.
        cache: ``'memory'`` keeps rendered samples in RAM (about 0.25 MB each at
            96×128, per worker process: use persistent workers); None renders every time.
        cache_dir: optional folder for an on-disk cache shared between runs.
        pipeline: transform configs (or callables) applied to each sample.
        metainfo: the config's values (:mod:`mtl.datasets.metainfo`): class names and
            palette for the chosen classes, ``depth_range`` (default: the rendered
            range, 0.1 to 10 m).
    """

    def __init__(self, split: str = 'train', num_samples: Optional[int] = None,
                 img_size: Sequence[int] = (96, 128), seed: int = 0, num_classes: int = 13,
                 tasks: Optional[Sequence[str]] = None, cache: Optional[str] = 'memory',
                 cache_dir: Optional[str] = None, pipeline: Sequence = (),
                 metainfo: Optional[dict] = None):
        _check_split(split)
        self.split, self.seed = split, int(seed)
        self.img_size = _check_size(img_size)
        self.num_samples = DEFAULT_NUM_SAMPLES[split] if num_samples is None else int(num_samples)
        if self.num_samples <= 0:
            raise ValueError(f'SynthRooms: num_samples must be positive, got {num_samples}.')
        if self.seed < 0:
            raise ValueError(f'SynthRooms: seed must be >= 0, got {seed}.')
        if num_classes not in (len(CLASSES), len(SUPER_CLASSES)):
            raise ValueError(f'SynthRooms: num_classes must be {len(CLASSES)} (classes '
                             f'{CLASSES}) or {len(SUPER_CLASSES)} (super-classes '
                             f'{SUPER_CLASSES}), got {num_classes}.')
        self.tasks = self._check_tasks(tasks)
        if cache not in ('memory', None):
            raise ValueError(f'SynthRooms: cache must be "memory" or None, got {cache!r}.')
        self._memory: Optional[dict] = {} if cache == 'memory' else None
        self._disk = _DiskCache(cache_dir, split, self.seed, self.img_size) if cache_dir else None
        super_classes = num_classes == len(SUPER_CLASSES)
        self._class_map = np.array(SUPER_CLASS_OF if super_classes else range(len(CLASSES)))
        self.metainfo = merge_metainfo(type(self).__name__, {
            'classes': SUPER_CLASSES if super_classes else CLASSES,
            'palette': list(SUPER_PALETTE if super_classes else PALETTE),
            'num_classes': num_classes,
            'ignore_index': IGNORE_INDEX,
            'depth_range': (MIN_DEPTH, MAX_DEPTH),
            'targets': self.tasks,
        }, metainfo)
        self.intrinsics = intrinsics(self.img_size)
        self.pipeline = Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t
                                 for t in pipeline])

    @staticmethod
    def _check_tasks(tasks: Optional[Sequence[str]]) -> Tuple[str, ...]:
        if tasks is None:
            return TASKS
        tasks = (tasks,) if isinstance(tasks, str) else tuple(tasks)
        unknown = [t for t in tasks if t not in TASKS]
        if unknown:
            raise ValueError(f'SynthRooms: unknown task(s) {unknown}; it provides {TASKS}.')
        return tuple(t for t in TASKS if t in tasks)

    def __len__(self) -> int:
        return self.num_samples

    def _rendered(self, index: int) -> Dict[str, np.ndarray]:
        """Arrays of one sample (13-class seg as uint8), from a cache when possible."""
        if self._memory is not None and index in self._memory:
            return self._memory[index]
        arrays = self._disk.load(index) if self._disk else None
        if arrays is None:
            arrays = render_sample(self.seed, index, self.img_size, self.split)
            arrays['seg'] = arrays['seg'].astype(np.uint8)
            if self._disk:
                self._disk.save(index, arrays)
        arrays = {k: v for k, v in arrays.items() if k == 'img' or k in self.tasks}
        if self._memory is not None:
            self._memory[index] = arrays
        return arrays

    def __getitem__(self, index: int) -> dict:
        if not -self.num_samples <= index < self.num_samples:
            raise IndexError(f'SynthRooms {self.split}: index {index} out of range '
                             f'for {self.num_samples} samples.')
        index %= self.num_samples
        arrays = self._rendered(index)
        sample = {key: torch.from_numpy(value.copy()) for key, value in arrays.items()}
        if 'seg' in sample:
            sample['seg'] = torch.from_numpy(self._class_map[arrays['seg']])
        sample['meta'] = {
            'sample_id': f'synthrooms_{self.split}_{index:06d}',
            'intrinsics': self.intrinsics.copy(),
            'ori_shape': self.img_size,
            'split': self.split,
            'seed': self.seed,
            'index': index,
        }
        return self.pipeline(sample)
