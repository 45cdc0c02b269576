"""The official Cityscapes pixel-level evaluation (Cordts et al., CVPR 2016, §3.2), run by
``cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling`` itself rather than
re-implemented: class IoU (``miou``) and the instance-weighted iIoU (``iiou``, from
``*_gtFine_instanceIds.png``), plus their category-level averages.

The official code reads files: each prediction is written as a label-id PNG into a
temporary folder (train ids mapped back with the official table), and the ground truth
is the dataset's ``meta['seg_path']`` (``*_gtFine_labelIds.png``, full resolution). It
reports errors with ``sys.exit``; we check sizes and paths first and turn an exit into
an exception. Only the module's ``args`` object is copied and adjusted (quiet, no JSON
file), so no environment variable is needed. cityscapesscripts 2.3.0 calls ``np.in1d``,
which NumPy 2.4 removed: the official module is given a NumPy namespace that adds
``in1d`` as ``isin(...).ravel()`` (its documented equivalent), and nothing else changes.
``SegMetric`` gives the same class IoU on the same predictions (tests/test_cityscapes.py).
Under distributed evaluation every process writes its PNGs and rank 0 reads them all: the
processes must share a file system (one node, or ``tmp_dir`` on a shared disk).
"""
import copy
import os
import tempfile
from pathlib import Path
from typing import Dict, Optional, Sequence

import types

import cv2
import numpy as np
from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as official
from mmengine.evaluator import BaseMetric
from PIL import Image

from mtl.datasets.cityscapes.labels import CLASSES, train_to_label_id
from mtl.evaluation._sample import fetch_pair
from mtl.registry import METRICS



def _numpy_with_in1d() -> types.ModuleType:
    """``numpy`` plus the ``in1d`` that NumPy 2.4 removed, for the official module only."""
    namespace = types.ModuleType('numpy_with_in1d')
    namespace.__dict__.update(np.__dict__)
    namespace.in1d = lambda a, b, invert=False: np.isin(a, b, invert=invert).ravel()
    return namespace


if not hasattr(official.np, 'in1d'):
    official.np = _numpy_with_in1d()


@METRICS.register_module()
class CityscapesMetric(BaseMetric):
    """See the module docstring.

    Args:
        task: the predicted task holding train-id label maps.
        instance_level: also compute iIoU (needs ``*_gtFine_instanceIds.png`` beside
            every labelIds file).
        tmp_dir: where prediction PNGs are written (default: a new temporary folder,
            removed after evaluation).
    """

    default_prefix = 'cityscapes'

    def __init__(self, task: str = 'seg', instance_level: bool = True,
                 tmp_dir: Optional[str] = None, prefix: Optional[str] = None,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.task, self.instance_level, self.tmp_dir = task, instance_level, tmp_dir
        self._dir: Optional[tempfile.TemporaryDirectory] = None
        self._name = f'CityscapesMetric(task={task!r})'

    def _folder(self) -> str:
        if self.tmp_dir is not None:
            os.makedirs(self.tmp_dir, exist_ok=True)
            return self.tmp_dir
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix='cityscapes_eval_')
        return self._dir.name

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Write each prediction as a label-id PNG; keep ``(prediction, gt)`` paths."""
        for sample in data_samples:
            gt_path = (sample.get('meta') or {}).get('seg_path')
            if fetch_pair(sample, self.task, 'seg', self._name) is None or gt_path is None:
                continue
            pred = sample['pred'][self.task].detach().cpu().numpy().squeeze()
            with Image.open(gt_path) as gt:
                if pred.shape != (gt.size[1], gt.size[0]):
                    raise ValueError(f'{self._name}: prediction is {pred.shape} but {gt_path} is '
                                     f'{gt.size[1]}×{gt.size[0]}; the test pipeline must keep '
                                     f'"seg" at full resolution (resize the image only).')
            name = Path(gt_path).name.replace('_gtFine_labelIds', '_pred')
            out = os.path.join(self._folder(), f'{len(self.results):06d}_{name}')
            cv2.imwrite(out, train_to_label_id(pred.astype('int64')))
            self.results.append((out, gt_path))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if not results:
            raise ValueError(f'{self._name}: no sample had a prediction and meta["seg_path"] '
                             f'(CityscapesDataset sets it when "seg" is among its targets).')
        args = copy.copy(official.args)
        args.quiet, args.JSONOutput, args.evalPixelAccuracy = True, False, False
        args.colorized, args.bold, args.nocol = False, '', ''
        args.evalInstLevelScore = self.instance_level
        if self.instance_level:
            instances = [g.replace('labelIds', 'instanceIds') for _, g in results]
            missing = [path for path in instances if not os.path.isfile(path)]
            if missing:
                raise FileNotFoundError(f'{self._name}: iIoU needs {missing[0]} '
                                        f'(gtFine_trainvaltest.zip); or set instance_level=False')
        try:
            scores = official.evaluateImgLists([p for p, _ in results],
                                               [g for _, g in results], args)
        except SystemExit as error:
            raise RuntimeError(f'{self._name}: the official evaluation stopped (see the '
                               f'"ERROR:" line printed above)') from error
        finally:
            if self._dir is not None:
                self._dir.cleanup()
                self._dir = None
        metrics = {'miou': scores['averageScoreClasses'],
                   'miou_category': scores['averageScoreCategories']}
        if self.instance_level:
            metrics.update(iiou=scores['averageScoreInstClasses'],
                           iiou_category=scores['averageScoreInstCategories'])
        metrics.update({f'iou/{name}': scores['classScores'][name] for name in CLASSES})
        return metrics
