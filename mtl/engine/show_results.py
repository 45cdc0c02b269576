"""Writes colourised predictions (and ground truth) as PNGs during testing.

No paper: a test-time side effect (colours from :func:`mtl.visualization.colormaps.render_map`,
with the palette and depth range of the test set's meta, ``runner.visualizer.dataset_meta``).
"""
import os
import os.path as osp

from mmengine.hooks import Hook
from PIL import Image

from mtl.registry import HOOKS
from mtl.visualization.colormaps import render_map


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
