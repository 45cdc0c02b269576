"""KITTI depth prediction (Uhrig et al., 3DV 2017), as used by MultiDepth (Liebel & Körner).

MultiDepth trains on the full annotated training set and validates on the 1000 frames of
``val_selection_cropped``; the Eigen split (Eigen et al., NIPS 2014) with the annotated
ground truth is the other common protocol. Samples follow :mod:`mtl.structures`:

* ``img`` uint8 3×H×W RGB of the rectified left (``image_02``) or right (``image_03``)
  colour camera; frames differ in size between recording days (about 375×1242);
* ``depth`` float32 1×H×W metres from the sparse projected LiDAR, 0 = no measurement
  (absent for the anonymous test set);
* ``meta``: ``sample_id`` (``<drive>/<camera>/<frame>``, or the file stem for the test
  set), ``intrinsics`` (3×3 of that camera), ``ori_shape``, ``img_path``, and ``drive``,
  ``camera`` and ``depth_path`` where known.

KITTI has no semantic labels: ``seg`` is never present. Cropping, flipping and the
Garg/Eigen evaluation crop are done by transforms and metrics, not here. Depth beyond
the range is kept as read: ``depth_range`` in the metainfo (stated once in the dataset's
base config, ``configs/_base_/datasets/kitti_depth.py``) is the range the metrics evaluate
and the depth heads predict in; the check hook (``DatasetMetaCheckHook``) holds them to it.

Relative ``raw_root``, ``gt_root``, ``selection_root`` and ``split_file`` are resolved
against ``data_root``; by default they are ``raw/``, ``data_depth_annotated/`` and
``depth_selection/`` below it. File layouts are described in
:mod:`mtl.datasets.kitti.index`.
"""
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from torch.utils.data import Dataset

from mtl.datasets.image_io import read_rgb
from mtl.datasets.kitti.index import (BENCHMARK_URL, KITTIRecord, RAW_DATA_URL,
                                      index_annotated, index_split_list, index_test,
                                      index_val_selection)
from mtl.datasets.kitti.io import (as_intrinsics, frame_shape_check, optional_path,
                                   read_cam_to_cam_intrinsics, read_depth_png,
                                   read_intrinsics_txt)
from mtl.datasets.metainfo import merge_metainfo
from mtl.registry import DATASETS, TRANSFORMS
from mtl.structures import IGNORE_INDEX

SPLITS = ('train', 'val', 'val_selection', 'test', 'eigen_test')
CAMERAS = ('image_02', 'image_03')
EIGEN_TEST_LIST = 'eigen_test_files_with_gt.txt'


def build_pipeline(pipeline: Sequence[Union[dict, Callable]]) -> Compose:
    """Compose transforms given as configs of the mtl TRANSFORMS registry or as callables."""
    return Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline])


@DATASETS.register_module()
class KITTIDepthDataset(Dataset):
    """The KITTI depth prediction benchmark and the Eigen split of its annotated depth.

    Args:
        data_root: folder holding the unpacked archives (see the module docstring).
        split: ``'train'`` / ``'val'`` (``data_depth_annotated``), ``'val_selection'``
            (the 1000 cropped validation frames), ``'test'`` (the anonymous benchmark
            frames, no depth) or ``'eigen_test'`` (a split list, ``split_file``).
        raw_root: KITTI raw data root (``<date>/<drive>/image_0x/data``); default
            ``<data_root>/raw``.
        gt_root: folder with ``train/`` and ``val/`` of ``data_depth_annotated``; default
            ``<data_root>/data_depth_annotated``.
        selection_root: the ``depth_selection`` folder; default ``<data_root>/depth_selection``.
        split_file: a BTS-style ``rgb_path gt_path focal`` list. Required by
            ``'eigen_test'`` (default ``<data_root>/eigen_test_files_with_gt.txt``); for
            ``'train'`` / ``'val'`` it replaces the folder scan (e.g. the Eigen train list).
        pipeline: transform configs (mtl TRANSFORMS) or callables, applied in order.
        cameras: which colour cameras to use.
        metainfo: the config's values (:mod:`mtl.datasets.metainfo`), e.g.
            ``dict(depth_range=(min_depth, max_depth))``; KITTI has no classes.
        intrinsics: ``(fx, fy, cx, cy)`` or a 3×3 matrix used for every frame instead of
            the calibration files (e.g. when ``calib_cam_to_cam.txt`` is not at hand).
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 raw_root: Optional[str] = None,
                 gt_root: Optional[str] = None,
                 selection_root: Optional[str] = None,
                 split_file: Optional[str] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 cameras: Sequence[str] = CAMERAS,
                 metainfo: Optional[dict] = None,
                 intrinsics: Optional[Sequence] = None):
        if split not in SPLITS:
            raise ValueError(f'Unknown KITTI split "{split}"; choose one of {SPLITS}.')
        unknown = [c for c in cameras if c not in CAMERAS]
        if unknown or not cameras:
            raise ValueError(f'cameras must be a non-empty subset of {CAMERAS}, got '
                             f'{tuple(cameras)}.')
        if split_file is not None and split in ('val_selection', 'test'):
            raise ValueError(f'split_file applies to the train, val and eigen_test splits; '
                             f'the "{split}" split is defined by its depth_selection folder.')
        self.split = split
        self.cameras = tuple(cameras)
        self.data_root = Path(data_root)
        self.raw_root = optional_path(raw_root, self.data_root, 'raw')
        self.gt_root = optional_path(gt_root, self.data_root, 'data_depth_annotated')
        self.selection_root = optional_path(selection_root, self.data_root, 'depth_selection')
        if split_file is None and split == 'eigen_test':
            split_file = EIGEN_TEST_LIST
        self.split_file = None if split_file is None else optional_path(
            split_file, self.data_root, '')
        self.records = self._index()
        self.metainfo = merge_metainfo(type(self).__name__, dict(
            dataset_name='KITTI', classes=(), palette=(), num_classes=0,
            ignore_index=IGNORE_INDEX, targets=('depth',) if split != 'test' else ()), metainfo)
        self._override = None if intrinsics is None else as_intrinsics(intrinsics)
        self._calib = {} if self._override is not None else self._load_calibration()
        self.pipeline = build_pipeline(pipeline)

    def _index(self) -> List[KITTIRecord]:
        if self.split_file is not None:
            records = index_split_list(self.split_file, self.gt_root, self.raw_root, self.cameras)
            where = str(self.split_file)
        elif self.split in ('train', 'val'):
            records = index_annotated(self.gt_root, self.raw_root, self.split, self.cameras)
            where = str(self.gt_root / self.split)
        elif self.split == 'val_selection':
            records = index_val_selection(self.selection_root, self.cameras)
            where = str(self.selection_root / 'val_selection_cropped')
        else:
            records = index_test(self.selection_root)
            where = str(self.selection_root / 'test_depth_prediction_anonymous')
        if not records:
            raise ValueError(f'The KITTI "{self.split}" split is empty: no frames for cameras '
                             f'{self.cameras} in {where}. Check the folder and the download '
                             f'({BENCHMARK_URL}).')
        return records

    def _load_calibration(self) -> Dict[Tuple[str, str], np.ndarray]:
        """Intrinsics per (calibration file, camera), read once at construction."""
        calib = {}
        for record in self.records:
            key = (record.calib_path, record.camera)
            if record.calib_path is None or key in calib:
                continue
            if not Path(record.calib_path).is_file():
                raise FileNotFoundError(
                    f'KITTI calibration file not found: {record.calib_path} (needed for the '
                    f'intrinsics of {record.drive}). Download the calibration of '
                    f'{record.drive[:10]} ({record.drive[:10]}_calib.zip) from {RAW_DATA_URL} '
                    f'into raw_root, or pass intrinsics=(fx, fy, cx, cy).')
            calib[key] = read_cam_to_cam_intrinsics(record.calib_path, record.camera)
        return calib

    def _intrinsics(self, record: KITTIRecord) -> np.ndarray:
        if self._override is not None:
            return self._override.copy()
        if record.intrinsics_path is not None:
            return read_intrinsics_txt(record.intrinsics_path)
        return self._calib[(record.calib_path, record.camera)].copy()

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> dict:
        record = self.records[index]
        img = read_rgb(record.img_path)
        meta = dict(sample_id=record.sample_id, intrinsics=self._intrinsics(record),
                    ori_shape=tuple(img.shape[:2]), img_path=record.img_path)
        meta.update({key: getattr(record, key) for key in ('drive', 'camera', 'depth_path')
                     if getattr(record, key) is not None})
        sample = dict(img=torch.from_numpy(img).permute(2, 0, 1).contiguous(), meta=meta)
        if record.depth_path is not None:
            depth = read_depth_png(record.depth_path)
            frame_shape_check(img, depth, record.img_path, record.depth_path)
            sample['depth'] = torch.from_numpy(depth)[None]
        return self.pipeline(sample)
