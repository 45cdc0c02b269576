"""SUN RGB-D (Song, Lichtenberg & Xiao, CVPR 2015): RGB, metric depth and 37-class labels,
10335 indoor frames from four sensors; the official split has 5285 training and 5050 test
frames.

Reads the release as downloaded and unzipped into one folder (see :mod:`.toolbox` for the
files and their formats)::

    data_root/SUNRGBD/<sensor>/<...>/<frame>/{image,depth,depth_bfx}/, intrinsics.txt
    data_root/SUNRGBDtoolbox/Metadata/{SUNRGBDMeta.mat, SUNRGBD2Dseg.mat}
    data_root/SUNRGBDtoolbox/traintestSUNRGBD/allsplit.mat

Labels: the 37 classes of ``SUNRGBD2Dseg.mat`` become 0..36; unlabelled pixels (0) become
255. Depth: ``depth_bfx`` (the toolbox's filled maps, default) or ``depth`` (raw), decoded as
the toolbox does (:func:`.toolbox.decode_depth`); 0 = invalid. Frames differ in size between
sensors (e.g. 530×730 Kinect v2, 427×561 RealSense), so the pipeline must resize before
batching.
"""
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from mtl.datasets.sunrgbd.toolbox import (DOCS, IMAGES_DIR, META_MAT, SEG_MAT, SPLIT_MAT,
                                          SegLabels, read_depth, read_image, read_intrinsics,
                                          read_meta, read_split)
from mtl.registry import DATASETS, TRANSFORMS
from mtl.structures import IGNORE_INDEX

NUM_CLASSES = 37
DEPTH_DIRS = {'filled': 'depth_bfx', 'raw': 'depth'}


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise FileNotFoundError(f'SUN RGB-D: {what} not found at {path}. Download SUNRGBD.zip and '
                                f'SUNRGBDtoolbox.zip and unzip both into data_root; see {DOCS}.')
    return path


@DATASETS.register_module()
class SUNRGBDDataset(Dataset):
    """SUN RGB-D samples following ``mtl.structures``.

    Args:
        data_root: the folder holding ``SUNRGBD/`` and ``SUNRGBDtoolbox/``.
        split: ``'train'`` (5285 frames) or ``'test'`` (5050).
        depth_type: ``'filled'`` (``depth_bfx``) or ``'raw'`` (``depth``).
        pipeline: transform configs (or callables) applied to each sample.
        metainfo: values of the dataset's base config (class names, palette, depth range).
    """

    def __init__(self, data_root: Union[str, Path] = 'data/sunrgbd', split: str = 'train',
                 depth_type: str = 'filled', pipeline: Sequence = (),
                 metainfo: Optional[dict] = None):
        root = _require(Path(data_root), 'data_root')
        if split not in ('train', 'test'):
            raise ValueError(f'SUN RGB-D split must be "train" or "test", got "{split}".')
        if depth_type not in DEPTH_DIRS:
            raise ValueError(f'depth_type must be one of {sorted(DEPTH_DIRS)}, got "{depth_type}".')
        self.root, self.split, self.depth_dir = root, split, DEPTH_DIRS[depth_type]
        frames = read_meta(_require(root / META_MAT, 'the toolbox metadata SUNRGBDMeta.mat'))
        self.labels = SegLabels(_require(root / SEG_MAT, 'the 2D segmentation SUNRGBD2Dseg.mat'))
        if self.labels.count != len(frames):
            raise ValueError(f'SUN RGB-D: {root / SEG_MAT} has {self.labels.count} label maps but '
                             f'{root / META_MAT} {len(frames)} frames; both come from one toolbox '
                             f'download. See {DOCS}.')
        position = {frame['dir']: i for i, frame in enumerate(frames)}
        wanted = read_split(_require(root / SPLIT_MAT, 'the split allsplit.mat'))[split]
        unknown = [d for d in wanted if d not in position]
        if unknown:
            raise ValueError(f'SUN RGB-D: {len(unknown)} frames of the {split} split are not in '
                             f'SUNRGBDMeta.mat (first: {unknown[0]}). See {DOCS}.')
        self.frames = [dict(frames[position[d]], index=position[d]) for d in wanted]
        _require(root / IMAGES_DIR / self.frames[0]['dir'], 'the frame folders of SUNRGBD.zip')
        self.metainfo = {**dict(num_classes=NUM_CLASSES, ignore_index=IGNORE_INDEX,
                                targets=('depth', 'seg'), split=split), **(metainfo or {})}
        classes = self.metainfo.get('classes', ())
        if classes and len(classes) != NUM_CLASSES:
            raise ValueError(f'SUN RGB-D has {NUM_CLASSES} classes, metainfo names {len(classes)}.')
        from mmengine.dataset import Compose
        self.pipeline = Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t
                                 for t in pipeline])

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(self.load_sample(index))

    def load_sample(self, index: int) -> dict:
        """The sample before the pipeline."""
        frame = self.frames[index]
        folder = self.root / IMAGES_DIR / frame['dir']
        img = read_image(folder / 'image' / frame['rgbname'])
        depth = read_depth(folder / self.depth_dir / frame['depthname'])
        labels = self.labels[frame['index']]
        shape = img.shape[:2]
        for name, array in (('depth', depth), ('labels', labels)):
            if array.shape != shape:
                raise ValueError(f'SUN RGB-D frame {frame["dir"]}: {name} of size {array.shape} '
                                 f'for an image of {shape}.')
        if labels.max(initial=0) > NUM_CLASSES:
            raise ValueError(f'SUN RGB-D frame {frame["dir"]}: label {int(labels.max())} is not '
                             f'one of the 37 classes of SUNRGBD2Dseg.mat.')
        seg = labels.astype(np.int64) - 1
        seg[labels == 0] = IGNORE_INDEX
        return {
            'img': torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))),
            'depth': torch.from_numpy(depth)[None],
            'seg': torch.from_numpy(seg),
            'meta': {'sample_id': frame['dir'], 'ori_shape': tuple(shape),
                     'intrinsics': read_intrinsics(folder / 'intrinsics.txt', frame['K'])},
        }

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(split={self.split!r}, samples={len(self)}, '
                f'depth={self.depth_dir})')
