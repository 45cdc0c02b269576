"""Cityscapes fine annotations (Cordts et al., CVPR 2016) with depth from the disparity maps,
read from the folders users download (see docs/datasets.md, Cityscapes)::

    <data_root>/leftImg8bit/{split}/{city}/{city}_{seq}_{frame}_leftImg8bit.png
    <data_root>/gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_labelIds.png
    <data_root>/disparity/{split}/{city}/{city}_{seq}_{frame}_disparity.png
    <data_root>/camera/{split}/{city}/{city}_{seq}_{frame}_camera.json

Samples follow :mod:`mtl.structures`: ``img`` uint8 3×H×W; ``seg`` int64 H×W in the 19
train ids (255 elsewhere) when ``'seg'`` is in ``targets``; ``depth`` float32 1×H×W metres
= baseline · fx / ((p − 1) / 256), 0 where p = 0, when ``'depth'`` is in ``targets``;
``meta`` with ``sample_id`` (``city/stem``), ``intrinsics`` (from the camera json when
present), ``ori_shape``, ``img_path``, ``city`` and ``seg_path`` (the labelIds file the
official evaluation reads). ``targets=('seg',)`` gives labels-only samples (Jiao et al.'s
weakly supervised setting); the test split has no public labels.
"""
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Union

import torch
from mmengine.dataset import Compose
from torch.utils.data import Dataset

from mtl.datasets.cityscapes.io import DOCS, read_camera, read_depth, read_label_ids, read_rgb
from mtl.datasets.cityscapes.labels import CLASSES, PALETTE, label_to_train_id
from mtl.datasets.metainfo import merge_metainfo
from mtl.registry import DATASETS, TRANSFORMS
from mtl.structures import IGNORE_INDEX

SPLITS = ('train', 'val', 'test')
TARGETS = ('seg', 'depth')
IMAGE_SUFFIX = '_leftImg8bit.png'
# folder, file suffix and download package of each file kind
FILES = dict(seg=('gtFine', '_gtFine_labelIds.png', 'gtFine_trainvaltest.zip'),
             disparity=('disparity', '_disparity.png', 'disparity_trainvaltest.zip'),
             camera=('camera', '_camera.json', 'camera_trainvaltest.zip'))


@DATASETS.register_module()
class CityscapesDataset(Dataset):
    """See the module docstring.

    Args:
        data_root: folder holding ``leftImg8bit/``, ``gtFine/``, ``disparity/``, ``camera/``.
        split: ``'train'``, ``'val'`` or ``'test'``.
        targets: which of ``('seg', 'depth')`` to load; each needs its files on disk.
        pipeline: transform configs (mtl TRANSFORMS) or callables, applied in order.
        metainfo: the config's values (:mod:`mtl.datasets.metainfo`), e.g.
            ``dict(depth_range=(min_depth, max_depth))``; the classes and palette are the
            official table's and a config that restates them must agree.
    """

    def __init__(self, data_root: str, split: str = 'train', targets: Sequence[str] = TARGETS,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 metainfo: Optional[dict] = None):
        if split not in SPLITS:
            raise ValueError(f'Unknown Cityscapes split "{split}"; choose one of {SPLITS}.')
        unknown = [t for t in targets if t not in TARGETS]
        if unknown:
            raise ValueError(f'targets may hold {TARGETS}, got unknown {unknown}')
        self.data_root, self.split, self.targets = Path(data_root), split, tuple(targets)
        self.stems = self._index()
        self.metainfo = merge_metainfo(type(self).__name__, dict(
            dataset_name='Cityscapes', classes=CLASSES, palette=list(PALETTE),
            num_classes=len(CLASSES), ignore_index=IGNORE_INDEX, targets=self.targets), metainfo)
        self.pipeline = Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t
                                 for t in pipeline])

    def _index(self) -> List[str]:
        """``city/stem`` of every image of the split, checking the target files exist."""
        folder = self.data_root / 'leftImg8bit' / self.split
        if not folder.is_dir():
            raise FileNotFoundError(f'Cityscapes images not found: {folder} does not exist. '
                                    f'Unpack leftImg8bit_trainvaltest.zip into '
                                    f'data_root={self.data_root}; see {DOCS}.')
        stems = sorted(f'{p.parent.name}/{p.name[:-len(IMAGE_SUFFIX)]}'
                       for p in folder.glob(f'*/*{IMAGE_SUFFIX}'))
        if not stems:
            raise FileNotFoundError(f'No *{IMAGE_SUFFIX} files in {folder}/<city>/; see {DOCS}.')
        needed = {'seg': 'seg', 'disparity': 'depth', 'camera': 'depth'}  # file kind: target
        for kind in [k for k in FILES if needed[k] in self.targets]:
            missing = [s for s in stems if not self.path(kind, s).is_file()]
            if missing:
                raise FileNotFoundError(
                    f'{len(missing)} of {len(stems)} Cityscapes {self.split} images lack their '
                    f'{FILES[kind][1]} file, e.g. {self.path(kind, missing[0])}. Unpack '
                    f'{FILES[kind][2]} into data_root or drop "{needed[kind]}" from targets; '
                    f'see {DOCS}.')
        return stems

    def path(self, kind: str, stem: str) -> Path:
        folder, suffix, _ = FILES[kind]
        return self.data_root / folder / self.split / f'{stem}{suffix}'

    def __len__(self) -> int:
        return len(self.stems)

    def __getitem__(self, index: int) -> dict:
        stem = self.stems[index]
        img_path = self.data_root / 'leftImg8bit' / self.split / f'{stem}{IMAGE_SUFFIX}'
        img = read_rgb(img_path)
        meta = dict(sample_id=stem, city=stem.split('/')[0], ori_shape=tuple(img.shape[:2]),
                    img_path=str(img_path))
        sample = dict(img=torch.from_numpy(img).permute(2, 0, 1).contiguous(), meta=meta)
        if 'seg' in self.targets:
            meta['seg_path'] = str(self.path('seg', stem))
            labels = read_label_ids(meta['seg_path'])
            self._check_size(labels, img, meta['seg_path'])
            sample['seg'] = torch.from_numpy(label_to_train_id(labels).astype('int64'))
        if 'depth' in self.targets:
            depth, meta['intrinsics'] = read_depth(self.path('disparity', stem),
                                                   self.path('camera', stem))
            self._check_size(depth, img, self.path('disparity', stem))
            sample['depth'] = torch.from_numpy(depth)[None]
        elif self.path('camera', stem).is_file():
            meta['intrinsics'] = read_camera(self.path('camera', stem))[1]
        return self.pipeline(sample)

    @staticmethod
    def _check_size(target, img, path) -> None:
        if target.shape[:2] != img.shape[:2]:
            raise ValueError(f'{path} is {target.shape[:2]} but its image is {img.shape[:2]}')
