"""Writes colourised predictions (and ground truth) as PNGs during testing.

Colours come from the dataset's meta (``dataset_meta``, stated once in the dataset's base
config): the palette for label maps and the top of ``depth_range`` for depth maps; a
dataset without them gets a generated palette and a per-image depth scale.
"""
import os
import os.path as osp
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from PIL import Image

from mtl.registry import HOOKS
from mtl.structures import IGNORE_INDEX
from mtl.visualization import colormaps as cm


def render_map(key: str, value: np.ndarray, dataset_meta: Optional[dict] = None):
    """RGB array for a prediction or target, chosen by its shape and dtype, coloured with
    ``dataset_meta``'s palette and depth range where it has them."""
    meta = dataset_meta or {}
    value = np.asarray(value)
    if value.ndim == 3 and value.shape[0] == 3:
        return cm.colorize_normals(value)
    value = value.squeeze(0) if value.ndim == 3 else value
    if np.issubdtype(value.dtype, np.integer) and key != 'contours':
        palette = meta.get('palette') or None
        labels = int(value[value != IGNORE_INDEX].max(initial=0)) + 1
        if palette is not None and labels > len(palette):
            palette = None  # labels the dataset does not name (e.g. depth intervals)
        return cm.colorize_seg(value, len(palette) if palette else labels, palette=palette)
    if key.startswith('contours'):
        return cm.colorize_probability(value.astype(np.float32))
    depth_range = meta.get('depth_range')
    return cm.colorize_depth(value, depth_range[1] if depth_range else None)


@HOOKS.register_module()
class ShowResultsHook(Hook):
    """After each test batch, saves ``<out_dir>/<sample_id>_<pred|gt>_<key>.png``, coloured
    with the test set's meta (``runner.visualizer.dataset_meta``)."""

    def __init__(self, out_dir: str, with_gt: bool = True):
        self.out_dir, self.with_gt = out_dir, with_gt

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        os.makedirs(self.out_dir, exist_ok=True)
        meta = runner.visualizer.dataset_meta
        for i, sample in enumerate(outputs or []):
            name = str(sample['meta'].get('sample_id', f'{batch_idx:05d}_{i}')).replace('/', '_')
            maps = {f'pred_{k}': v for k, v in sample['pred'].items()}
            if self.with_gt:
                maps.update({f'gt_{k}': v for k, v in sample['gt'].items()})
            for key, value in maps.items():
                rgb = render_map(key.split('_', 1)[1], value.numpy(), meta)
                Image.fromarray(rgb).save(osp.join(self.out_dir, f'{name}_{key}.png'))
