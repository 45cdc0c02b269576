"""A tiny SUN RGB-D release in the exact formats of the downloads (a helper module).

* ``SUNRGBD/<sensor>/.../<frame>/``: ``image/<name>.jpg``, ``depth/<name>.png`` and
  ``depth_bfx/<name>.png`` (uint16 millimetres rotated left by 3 bits), ``intrinsics.txt``.
* ``SUNRGBDtoolbox/Metadata/SUNRGBDMeta.mat`` (MATLAB v5 struct array, server paths),
  ``SUNRGBDtoolbox/traintestSUNRGBD/allsplit.mat`` (cell arrays of server paths, with and
  without a trailing slash), and ``SUNRGBDtoolbox/Metadata/SUNRGBD2Dseg.mat`` (MATLAB v7.3:
  a struct whose ``seglabel`` field holds an (N, 1) array of references to W×H uint16 maps).
"""
from pathlib import Path
from typing import Dict, List

import cv2
import h5py
import numpy as np
from scipy.io import savemat

from nyud2_fixtures import matlab_header

SERVER = '/n/fs/sun3d/data/SUNRGBD/'
# (frame folder, file stem, (H, W), split)
FRAMES = [
    ('kv1/NYUdata/NYU0001', 'NYU0001', (12, 16), 'train'),
    ('realsense/lg/2014_10_24-18_20_40-1311000073', '0000103', (10, 14), 'test'),
    ('kv2/kinect2data/000002_2014-05-26_14-23-37_260595134347_rgbf000103-resize',
     '0000103', (12, 16), 'train'),
]
FAR_MM = 9000  # stored as 6465: wrong without the circular shift


def encode_depth(millimetres: np.ndarray) -> np.ndarray:
    """The release's encoding: millimetres rotated left by 3 bits in 16 bits."""
    mm = millimetres.astype(np.uint16)
    return (mm << 3) | (mm >> 13)


def frame_arrays(index: int, shape) -> Dict[str, np.ndarray]:
    """Image, depth in millimetres (row 0 invalid in the raw map; FAR_MM at the corner of the
    filled map) and 1-based labels (0 = unlabelled on column 0)."""
    h, w = shape
    y, x = np.mgrid[:h, :w]
    image = np.stack([np.full_like(y, 40 * index), y * 10, x * 10], -1).astype(np.uint8)
    filled = (1000 + 100 * index + 10 * y + x).astype(np.uint16)
    filled[-1, -1] = FAR_MM
    raw = filled.copy()
    raw[0] = 0
    labels = (1 + (x + index) % 37).astype(np.uint16)
    labels[:, 0] = 0
    return dict(image=image, filled=filled, raw=raw, labels=labels)


def write_seg_v73(path: Path, label_maps: List[np.ndarray]) -> None:
    with h5py.File(path, 'w', userblock_size=512) as f:
        group = f.create_group('SUNRGBD2Dseg')
        group.attrs['MATLAB_class'] = np.bytes_('struct')
        refs = f.create_group('#refs#')
        seglabel = group.create_dataset('seglabel', shape=(len(label_maps), 1),
                                        dtype=h5py.ref_dtype)
        for i, labels in enumerate(label_maps):
            ds = refs.create_dataset(f'l{i}', data=np.ascontiguousarray(labels.T))  # stored W×H
            ds.attrs['MATLAB_class'] = np.bytes_('uint16')
            seglabel[i, 0] = ds.ref
    with open(path, 'r+b') as fh:
        fh.write(matlab_header())


def write_release(root: Path) -> Path:
    """The tiny release under ``root``; returns ``root``."""
    metadata, label_maps = [], []
    for i, (folder, stem, shape, _) in enumerate(FRAMES):
        arrays = frame_arrays(i, shape)
        frame = root / 'SUNRGBD' / folder
        for sub in ('image', 'depth', 'depth_bfx'):
            (frame / sub).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(frame / 'image' / f'{stem}.jpg'), arrays['image'][..., ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, 100])
        cv2.imwrite(str(frame / 'depth' / f'{stem}.png'), encode_depth(arrays['raw']))
        cv2.imwrite(str(frame / 'depth_bfx' / f'{stem}.png'), encode_depth(arrays['filled']))
        (frame / 'intrinsics.txt').write_text(f'{500 + i} 0 {shape[1] / 2}\n0 {510 + i} '
                                              f'{shape[0] / 2}\n0 0 1\n')
        metadata.append((f'SUNRGBD/{folder}', f'{SERVER}{folder}/image/{stem}.jpg',
                         f'{SERVER}{folder}/depth/{stem}.png', f'{stem}.jpg', f'{stem}.png',
                         np.eye(3)))
        label_maps.append(arrays['labels'])
    fields = ['sequenceName', 'rgbpath', 'depthpath', 'rgbname', 'depthname', 'K']
    meta = np.zeros((1, len(FRAMES)), dtype=[(f, object) for f in fields])
    for i, values in enumerate(metadata):
        for field, value in zip(fields, values):
            meta[0, i][field] = value
    toolbox = root / 'SUNRGBDtoolbox'
    (toolbox / 'Metadata').mkdir(parents=True, exist_ok=True)
    (toolbox / 'traintestSUNRGBD').mkdir(parents=True, exist_ok=True)
    savemat(toolbox / 'Metadata' / 'SUNRGBDMeta.mat', {'SUNRGBDMeta': meta})
    write_seg_v73(toolbox / 'Metadata' / 'SUNRGBD2Dseg.mat', label_maps)

    def cell(split, slash):
        return np.array([[SERVER + f[0] + slash for f in FRAMES if f[3] == split]], dtype=object)
    savemat(toolbox / 'traintestSUNRGBD' / 'allsplit.mat',
            {'alltrain': cell('train', '/'), 'alltest': cell('test', '')})
    return root
