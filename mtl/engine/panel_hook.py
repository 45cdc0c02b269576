"""Pictures of validation and test results through mmengine's Visualizer.

No paper: reporting. Each panel is drawn by :func:`mtl.visualization.panels.sample_panel`
and handed to ``runner.visualizer.add_image``, so every configured vis backend receives it
(TensorBoard, the local ``vis_data/vis_image`` folder, W&B, ...). Per run, the depth
statistics plot (:class:`DepthStatistics`) of every depth-kind task goes the same way.
"""
import os.path as osp
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from PIL import Image
from torch.nn import functional as F

from mtl.models.base import TaskModel
from mtl.registry import HOOKS
from mtl.structures import target_spec
from mtl.visualization.depth_statistics import DepthStatistics
from mtl.visualization.panels import PanelStyle, sample_panel
from mtl.visualization.pointcloud import depth_to_ply


def input_at(img: torch.Tensor, size) -> np.ndarray:
    """uint8 3×h×w image -> H×W×3 array at the predictions' size (an ``img_only`` resize
    feeds the network a smaller image than the ground truth)."""
    if tuple(img.shape[-2:]) != tuple(size):
        img = F.interpolate(img[None].float(), size=tuple(size), mode='bilinear',
                            align_corners=False)[0].round().clamp(0, 255).to(torch.uint8)
    return img.permute(1, 2, 0).cpu().numpy()


@HOOKS.register_module()
class SamplePanelHook(Hook):
    """Panels (input | ground truth | prediction | error per task) and depth statistics.

    Args:
        num_val_samples: panels of the first samples of every validation, logged with the
            training iteration as step (0 turns validation pictures off).
        out_dir: at test time, write every sample's panel here as
            ``<sample_id>_panel.png`` (``tools/test.py --show-dir``); None: only the
            first ``num_val_samples`` go to the Visualizer.
        per_image_range: colour depth over each image's ground-truth range instead of
            the dataset's ``depth_range``.
        ply: with ``out_dir``, also write each depth-kind prediction as a coloured point
            cloud, with the camera of the sample's ``meta['intrinsics']``.
        num_bins: bins of the depth histogram and error-by-range plot.
    """
    priority = 'LOW'

    def __init__(self, num_val_samples: int = 2, out_dir: Optional[str] = None,
                 per_image_range: bool = False, ply: bool = False, num_bins: int = 40):
        self.num_val_samples, self.out_dir, self.ply = num_val_samples, out_dir, ply
        self.per_image_range, self.num_bins = per_image_range, num_bins
        self._drawn, self._statistics = 0, {}

    def _start(self, runner, dataloader) -> None:
        meta = dict(getattr(dataloader.dataset, 'metainfo', None) or {})
        self.style = PanelStyle(meta, self.per_image_range)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        # models outside mtl's TaskModel contract declare no task targets: nothing to draw
        self.targets = model.task_targets() if isinstance(model, TaskModel) else {}
        self._drawn, self._statistics = 0, {}
        if meta.get('depth_range'):
            self._statistics = {task: DepthStatistics(meta['depth_range'], self.num_bins)
                                for task, key in self.targets.items()
                                if target_spec(key).kind == 'depth'}

    def before_val_epoch(self, runner) -> None:
        self._start(runner, runner.val_dataloader)

    def before_test_epoch(self, runner) -> None:
        self._start(runner, runner.test_dataloader)

    def _each(self, runner, data_batch: dict, outputs, save: bool) -> None:
        if not self.targets:
            return
        step = runner.iter
        for i, sample in enumerate(outputs or []):
            preds = {t: v.numpy() for t, v in sample['pred'].items()}
            gts = {k: v.numpy() for k, v in sample['gt'].items()}
            for task, stats in self._statistics.items():
                if self.targets[task] in gts:
                    stats.update(preds[task], gts[self.targets[task]])
            if not save and self._drawn >= self.num_val_samples:
                continue
            name = str(sample['meta'].get('sample_id', f'{self._drawn:05d}')).replace('/', '_')
            size = next(iter(preds.values())).shape[-2:]
            rgb = input_at(data_batch['img'][i], size)
            panel = sample_panel(rgb, preds, gts, self.targets, self.style, name)
            if self._drawn < self.num_val_samples:
                runner.visualizer.add_image(f'panels/{name}', panel, step=step)
            if save:
                Image.fromarray(panel).save(osp.join(self.out_dir, f'{name}_panel.png'))
                self._write_point_clouds(name, preds, rgb, sample['meta'])
            self._drawn += 1

    def _write_point_clouds(self, name: str, preds: Dict[str, np.ndarray], rgb: np.ndarray,
                            meta: dict) -> None:
        if not self.ply:
            return
        if meta.get('intrinsics') is None:
            raise KeyError(f'SamplePanelHook(ply=True): sample "{name}" has no '
                           f'meta["intrinsics"]; this dataset cannot give point clouds.')
        for task in self._statistics:
            depth_to_ply(osp.join(self.out_dir, f'{name}_{task}.ply'), np.squeeze(preds[task]),
                         np.asarray(meta['intrinsics']), rgb)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._each(runner, data_batch, outputs, save=False)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.out_dir:
            Path(self.out_dir).mkdir(parents=True, exist_ok=True)
        self._each(runner, data_batch, outputs, save=bool(self.out_dir))

    def _finish(self, runner) -> None:
        for task, stats in self._statistics.items():
            if stats.gt_hist.sum() == 0:
                continue
            picture = stats.plot(f'{task}: {runner.experiment_name}')
            runner.visualizer.add_image(f'depth_statistics/{task}', picture, step=runner.iter)
            if self.out_dir:
                Image.fromarray(picture).save(osp.join(self.out_dir, f'depth_statistics_{task}.png'))

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._finish(runner)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._finish(runner)
