"""NYU Depth v2 (Silberman, Hoiem, Kohli, Fergus, ECCV 2012): RGB, depth and 4/13/40-class labels.

Reads the files as users download them (``nyu_depth_v2_labeled.mat``, ``splits.mat``,
``classMapping40.mat``, ``class13Mapping.mat``), the fast layout written once from them by
``tools/prepare_nyud2.py``, or the BTS and NYUD_MT layouts (see
:mod:`mtl.datasets.nyud2.layouts`). The official split has 795 training and 654 test frames. A
validation split carved from the training scenes (see :mod:`mtl.datasets.nyud2.meta`) lets model
selection stay off the test set.

Evaluation protocol of Jiao et al. (ECCV 2018) and the works they follow: images at half
resolution in, predictions up-sampled back to 640×480 and scored on the Eigen crop (rows
45:471, cols 41:601) within NYU's evaluated depth range, which is stated once in the base
config (``configs/_base_/datasets/nyud2_40c.py``) and reaches this dataset's metainfo,
the heads and the metrics from there; the crop lives in the metric config, the
half-resolution resize in the pipeline.

Depth: 0 = invalid (zeros of ``rawDepths`` stay invalid); a NaN, infinite or negative depth in
a file raises an error naming the sample instead of being passed on.
"""
import warnings
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from mtl.datasets.metainfo import merge_metainfo
from mtl.datasets.nyud2.layouts import BTSSource, NYUDMTSource
from mtl.datasets.nyud2.meta import (DOCS, IGNORE_INDEX, LABELED_MAT, apply_lut, check_depth,
                                     class_lut, class_palette, nyu_intrinsics)
from mtl.datasets.nyud2.prepared import MANIFEST
from mtl.datasets.nyud2.sources import MatSource, PreparedSource
from mtl.registry import DATASETS, TRANSFORMS

LAYOUTS = ('auto', 'mat', 'prepared', 'bts', 'nyud_mt')
PREPARED_DIR = 'prepared'


def _prepared_dir(root: Path) -> Optional[Path]:
    for candidate in (root, root / PREPARED_DIR):
        if (candidate / MANIFEST).is_file():
            return candidate
    return None


def detect_layout(root: Path) -> str:
    """The layout of the files in ``root``, in order: prepared, mat, nyud_mt, bts."""
    if _prepared_dir(root) is not None:
        return 'prepared'
    if (root / LABELED_MAT).is_file():
        if (root / PREPARED_DIR).is_dir():
            warnings.warn(f'{root / PREPARED_DIR} has no {MANIFEST} (an unfinished preparation?): '
                          f'reading {LABELED_MAT} directly. Re-run tools/prepare_nyud2.py.')
        return 'mat'
    if (root / 'gt_sets').is_dir() and (root / 'images').is_dir():
        return 'nyud_mt'
    if any(root.glob('*_files_with_gt.txt')) or any(
            root.glob('train_test_inputs/*_files_with_gt.txt')):
        return 'bts'
    raise FileNotFoundError(
        f'NYU Depth v2: no known layout in {root}. Looked for {MANIFEST} in {root} or '
        f'{root / PREPARED_DIR} (prepared), {LABELED_MAT} (original release), gt_sets/ + '
        f'images/ (NYUD_MT) and *_files_with_gt.txt (BTS). See {DOCS}.')


@DATASETS.register_module()
class NYUDv2Dataset(Dataset):
    """NYU Depth v2 samples following ``mtl.structures``.

    Args:
        data_root: folder of the downloaded files (see ``docs/datasets.md``).
        split: ``'train'`` (795 frames), ``'test'`` (654) or ``'val'`` (carved from train by
            scene).
        num_classes: 40 (Gupta et al. 2013), 13 (Couprie et al. 2013) or 4 (Silberman et al.
            2012) semantic classes; labels are 0-based, unlabelled pixels 255.
        layout: ``'auto'`` (detect), ``'mat'``, ``'prepared'``, ``'bts'`` or ``'nyud_mt'``.
        depth_type: ``'filled'`` (in-painted ``depths``) or ``'raw'`` (``rawDepths``); mat and
            prepared layouts only, the others give the depth their files hold.
        val_from_train: when True, ``split='train'`` leaves out the validation frames; when
            False (default) it is all 795 frames, as in the papers.
        pipeline: transform configs (or callables) applied to each sample.
        list_file, image_root: BTS layout only, see ``BTSSource``.
        verify_sha1: prepared layout only: hash every file against the manifest at start-up
            (slow) rather than checking sizes.
        metainfo: the config's values (:mod:`mtl.datasets.metainfo`): class names and
            palette (default: the mapping files' names, a generated palette) and
            ``depth_range`` (no default: the base config states it).
    """

    def __init__(self, data_root: Union[str, Path] = 'data/nyud2', split: str = 'train',
                 num_classes: int = 40, layout: str = 'auto', depth_type: str = 'filled',
                 val_from_train: bool = False, pipeline: Sequence = (),
                 list_file: Optional[str] = None, image_root: Optional[str] = None,
                 verify_sha1: bool = False, metainfo: Optional[dict] = None):
        root = Path(data_root)
        if not root.is_dir():
            raise FileNotFoundError(f'NYU Depth v2: data_root {root} does not exist. Download '
                                    f'the files and put them there as described in {DOCS}.')
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got "{layout}".')
        self.layout = detect_layout(root) if layout == 'auto' else layout
        self.split = split
        self.source = self._build_source(root, split, val_from_train, depth_type, list_file,
                                         image_root, verify_sha1)
        if not len(self.source.ids):
            raise ValueError(f'NYU Depth v2: the {split} split in {root} ({self.layout} layout) '
                             f'has no samples. Check its list: gt_sets/{split}.txt (NYUD_MT), '
                             f'trainNdxs/testNdxs in splits.mat, or the BTS list file; see '
                             f'{DOCS}.')
        self.lut, classes = (class_lut(self.source.mapping_dir, num_classes,
                                       self.source.label_classes)
                             if self.source.label_classes else (None, ()))
        self.metainfo = merge_metainfo(type(self).__name__, dict(
            classes=tuple(classes), palette=class_palette(len(classes)),
            num_classes=len(classes), ignore_index=IGNORE_INDEX,
            targets=tuple(self.source.targets), layout=self.layout, split=split), metainfo)
        self.pipeline = self._build_pipeline(pipeline)

    def _build_source(self, root: Path, split: str, val_from_train: bool, depth_type: str,
                      list_file: Optional[str], image_root: Optional[str], verify_sha1: bool):
        if self.layout == 'mat':
            return MatSource(root, split, val_from_train, depth_type)
        if self.layout == 'prepared':
            prepared = _prepared_dir(root)
            if prepared is None:
                raise FileNotFoundError(
                    f'NYU Depth v2: no prepared layout ({MANIFEST}) in {root} or '
                    f'{root / PREPARED_DIR}. Run `python tools/prepare_nyud2.py {root}`; see '
                    f'{DOCS}.')
            source_mat = (prepared.parent if prepared != root else root) / LABELED_MAT
            return PreparedSource(prepared, split, val_from_train, depth_type,
                                  source_mat=source_mat, verify_sha1=verify_sha1)
        if self.layout == 'bts':
            return BTSSource(root, split, val_from_train, list_file, image_root)
        return NYUDMTSource(root, split, val_from_train)

    @staticmethod
    def _build_pipeline(pipeline: Sequence):
        from mmengine.dataset import Compose
        return Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline])

    def __len__(self) -> int:
        return len(self.source.ids)

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise IndexError(f'index {index} is out of range for the {len(self)} samples of '
                             f'NYU Depth v2 split "{self.split}".')
        sample = self.load_sample(index % len(self))
        return self.pipeline(sample)

    def load_sample(self, index: int) -> dict:
        """The sample before the pipeline."""
        raw = self.source.load(index)
        sample_id = self.source.ids[index]
        img = raw['img']
        shape = tuple(img.shape[:2])
        sample = {'img': torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))}
        if 'depth' in raw:
            depth = check_depth(raw['depth'], sample_id, self.source.source_name)
            sample['depth'] = torch.from_numpy(self._same_shape(depth, shape, sample_id))[None]
        if 'labels' in raw:
            seg = apply_lut(self._same_shape(raw['labels'], shape, sample_id), self.lut,
                            sample_id)
            sample['seg'] = torch.from_numpy(seg.astype(np.int64))
        if 'normals' in raw:
            normals = self._same_shape(raw['normals'], shape, sample_id)
            sample['normals'] = torch.from_numpy(np.ascontiguousarray(normals.transpose(2, 0, 1)))
        if 'contours' in raw:
            contours = self._same_shape(raw['contours'], shape, sample_id)
            sample['contours'] = torch.from_numpy(contours)[None]
        meta = {'sample_id': sample_id, 'intrinsics': nyu_intrinsics(*shape),
                'ori_shape': shape, 'layout': self.layout}
        meta.update(raw.get('meta', {}))
        sample['meta'] = meta
        return sample

    def _same_shape(self, array: np.ndarray, shape: tuple, sample_id: str) -> np.ndarray:
        if tuple(array.shape[:2]) != shape:
            raise ValueError(f'NYU Depth v2 sample {sample_id} in {self.source.source_name}: a '
                             f'target of size {tuple(array.shape[:2])} for an image of {shape}.')
        return np.ascontiguousarray(array)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(layout={self.layout!r}, split={self.split!r}, '
                f'samples={len(self)}, classes={self.metainfo["num_classes"]}, '
                f'targets={self.metainfo["targets"]})')
