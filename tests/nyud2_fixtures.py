"""Builders of tiny NYU Depth v2 files in the exact formats of the releases (a helper module).

* ``write_matlab_v73``: an HDF5 file behind a 512-byte user block carrying MATLAB's 128-byte
  header, each array stored with its axes reversed and a ``MATLAB_class`` attribute, cell
  arrays of strings as (1, N) object references to (n_chars, 1) uint16 char datasets under
  ``#refs#`` (``MATLAB_class='char'``, ``MATLAB_int_decode=2``).
* ``write_splits``: a MATLAB v5 ``splits.mat`` (1-based uint16 column vectors), as released.
* BTS and NYUD_MT trees with uint16 millimetre PNGs, JPGs and .npy files.
"""
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2
import h5py
import numpy as np
from scipy.io import savemat

NUM_FRAMES, HEIGHT, WIDTH = 6, 12, 16
SCENES = ['kitchen_0001', 'kitchen_0001', 'bedroom_0002', 'office_0003', 'bathroom_0004',
          'bathroom_0004']
TRAIN_1BASED = [1, 2, 3, 5]
TEST_1BASED = [4, 6]
MATLAB_CLASS = {np.dtype(np.uint8): 'uint8', np.dtype(np.uint16): 'uint16',
                np.dtype(np.float32): 'single', np.dtype(np.float64): 'double'}


def matlab_header(version: int = 0x0200) -> bytes:
    """MATLAB's 128-byte header: 116 bytes of text, 8 of subsystem offset, version, 'IM'."""
    text = (b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 '
            b'HDF5 schema 1.00 .')
    return text.ljust(116, b' ') + b'\x00' * 8 + version.to_bytes(2, 'little') + b'IM'


def _char(refs: h5py.Group, key: str, text: str) -> h5py.Dataset:
    codes = np.array([ord(c) for c in text], dtype=np.uint16).reshape(-1, 1)
    ds = refs.create_dataset(key, data=codes)
    ds.attrs['MATLAB_class'] = np.bytes_('char')
    ds.attrs['MATLAB_int_decode'] = np.int32(2)
    return ds


def write_matlab_v73(path: Path, arrays: Dict[str, np.ndarray],
                     cellstrs: Optional[Dict[str, Sequence[str]]] = None) -> Path:
    """Write ``arrays`` given in MATLAB's axis order (e.g. H×W×3×N) the way MATLAB v7.3 does."""
    with h5py.File(path, 'w', userblock_size=512) as f:
        for name, array in arrays.items():
            stored = np.ascontiguousarray(np.transpose(array))  # every axis reversed
            chunks = (1,) + stored.shape[1:] if stored.ndim >= 3 else None
            ds = f.create_dataset(name, data=stored, chunks=chunks,
                                  compression='gzip' if chunks else None)
            ds.attrs['MATLAB_class'] = np.bytes_(MATLAB_CLASS[array.dtype])
        refs = f.create_group('#refs#')
        for name, strings in (cellstrs or {}).items():
            cell = f.create_dataset(name, shape=(1, len(strings)), dtype=h5py.ref_dtype)
            for i, text in enumerate(strings):
                cell[0, i] = _char(refs, f'{name}_{i}', text).ref
            cell.attrs['MATLAB_class'] = np.bytes_('cell')
    with open(path, 'r+b') as fh:
        fh.write(matlab_header())
    return Path(path)


def make_frames(num_frames: int = NUM_FRAMES, height: int = HEIGHT, width: int = WIDTH
                ) -> Dict[str, np.ndarray]:
    """Natural-order frames with asymmetric patterns: images N×H×W×3, the rest N×H×W.

    img[n, y, x] = (n, y, x) + (0, 100, 150); depth = 1 + n + y/10 + x/100 m; raw depth the
    same with zeros on row 0; labels cycle through 0..5 along x and reach 894 at the corner.
    """
    n, y, x = np.meshgrid(np.arange(num_frames), np.arange(height), np.arange(width),
                          indexing='ij')
    images = np.stack([n, y + 100, x + 150], axis=-1).astype(np.uint8)
    depths = (1.0 + n + y / 10.0 + x / 100.0).astype(np.float32)
    raw = depths.copy()
    raw[:, 0, :] = 0.0
    labels = (x % 6).astype(np.uint16)
    labels[:, -1, -1] = 894
    return {'images': images, 'depths': depths, 'rawDepths': raw, 'labels': labels}


def to_matlab(frames: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """N×H×W(×3) arrays into MATLAB's H×W(×3)×N order."""
    out = {}
    for key, value in frames.items():
        out[key] = np.moveaxis(value, 0, -1)
    return out


def write_labeled_mat(path: Path, frames: Optional[Dict[str, np.ndarray]] = None,
                      names: Optional[List[str]] = None, scenes: Optional[List[str]] = None,
                      drop: Sequence[str] = ()) -> Path:
    frames = make_frames() if frames is None else frames
    arrays = {k: v for k, v in to_matlab(frames).items() if k not in drop}
    count = next(iter(frames.values())).shape[0]
    cells = {'names': names if names is not None else [f'class{k}' for k in range(1, 895)],
             'scenes': scenes if scenes is not None else SCENES[:count]}
    return write_matlab_v73(path, arrays, {k: v for k, v in cells.items() if k not in drop})


def write_splits(path: Path, train: Sequence[int] = TRAIN_1BASED,
                 test: Sequence[int] = TEST_1BASED) -> Path:
    savemat(str(path), {'trainNdxs': np.array(train, np.uint16).reshape(-1, 1),
                        'testNdxs': np.array(test, np.uint16).reshape(-1, 1)})
    return Path(path)


def make_nyu_root(root: Path, shared_data: Path, frames: Optional[Dict[str, np.ndarray]] = None,
                  **mat_kwargs) -> Path:
    """A data_root as users have it: the tiny .mat, a tiny splits.mat, the real mappings."""
    root.mkdir(parents=True, exist_ok=True)
    write_labeled_mat(root / 'nyu_depth_v2_labeled.mat', frames, **mat_kwargs)
    write_splits(root / 'splits.mat')
    for name in ('classMapping40.mat', 'class13Mapping.mat'):
        shutil.copyfile(shared_data / 'nyudv2' / name, root / name)
    return root


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def write_gray(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), array)


def make_bts_root(root: Path, list_name: str = 'nyudepthv2_test_files_with_gt.txt',
                  base: str = 'official_splits/test', count: int = 3) -> Dict[str, np.ndarray]:
    """A BTS tree of ``count`` flat-coloured JPGs and uint16 mm PNG depths ``1000 * (i + 1)``."""
    lines, depth = [], {}
    for i in range(count):
        rgb, dep = f'scene_{i % 2}/rgb_{i:05d}.jpg', f'scene_{i % 2}/sync_depth_{i:05d}.png'
        write_rgb(root / base / rgb, np.full((HEIGHT, WIDTH, 3), (200, 50 * i, 10), np.uint8))
        mm = np.full((HEIGHT, WIDTH), 1000 * (i + 1), np.uint16)
        mm[0, 0] = 0
        write_gray(root / base / dep, mm)
        depth[rgb] = mm
        lines.append(f'{rgb} {dep} 518.8579')
    (root / list_name).parent.mkdir(parents=True, exist_ok=True)
    (root / list_name).write_text('\n'.join(lines) + '\n')
    return depth


def make_nyud_mt_root(root: Path, ids_train: Sequence[str], ids_val: Sequence[str],
                      tasks: Sequence[str] = ('depth', 'segmentation', 'normals', 'edge')
                      ) -> None:
    """A NYUD_MT tree; segmentation is 40-class PNG with 0 = background."""
    (root / 'gt_sets').mkdir(parents=True)
    (root / 'gt_sets' / 'train.txt').write_text('\n'.join(ids_train) + '\n')
    (root / 'gt_sets' / 'val.txt').write_text('\n'.join(ids_val) + '\n')
    for k, sample_id in enumerate(list(ids_train) + list(ids_val)):
        write_rgb(root / 'images' / f'{sample_id}.jpg',
                  np.full((HEIGHT, WIDTH, 3), 120, np.uint8))
        for task in tasks:
            (root / task).mkdir(exist_ok=True)
        if 'depth' in tasks:
            np.save(root / 'depth' / f'{sample_id}.npy',
                    np.full((HEIGHT, WIDTH), 2.0 + k, np.float32))
        if 'segmentation' in tasks:
            seg = np.tile(np.array([0, 1, 40, 5], np.uint8), (HEIGHT, WIDTH // 4))
            write_gray(root / 'segmentation' / f'{sample_id}.png', seg)
        if 'normals' in tasks:
            normals = np.zeros((HEIGHT, WIDTH, 3), np.float32)
            normals[:, :, 2] = -2.0  # not unit length on purpose
            normals[0] = 0.0
            np.save(root / 'normals' / f'{sample_id}.npy', normals)
        if 'edge' in tasks:
            edge = np.zeros((HEIGHT, WIDTH), np.float32)
            edge[:, WIDTH // 2] = 1.0
            np.save(root / 'edge' / f'{sample_id}.npy', edge)


def tiny_nyud_mt_run(cfg, root: Path) -> None:
    """Point a NYUD-MT config at the tiny tree in ``root``: crops of 8x12, batch 2, one epoch
    validated once, loaders in the main process, no pictures or TensorBoard."""
    cfg.train_dataloader.dataset.pipeline[0]['crop_size'] = (8, 12)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root)
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.visualization.num_val_samples = 0
    cfg.vis_backends = cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
