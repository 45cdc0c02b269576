"""Semantic segmentation metrics from one confusion matrix over the whole set.

Pixel accuracy, mean accuracy and mean IU as Long et al. define them (FCN, CVPR 2015).

Keys (Python floats, fractions in [0, 1]):

- ``pixel_acc`` correctly labelled pixels / labelled pixels;
- ``mean_acc`` the mean over classes of per-class recall (diagonal / gt pixels);
- ``miou`` the mean over classes of IoU = TP / (TP + FP + FN);
- ``iou/<name>`` and ``acc/<name>`` per class, named by ``class_names`` (or the dataset's
  ``classes``); the same per-class table is written to the log.

``num_classes`` and ``class_names`` default to the evaluated dataset's metainfo
(``dataset_meta``, stated once in the dataset's base config); a value the config gives
must agree with it (see ``mtl/evaluation/dataset_values.py``).

A class absent from both the ground truth and the prediction of the whole set has an
undefined IoU: it is NaN and left out of ``miou`` (as in mmsegmentation; the MTL survey
code counts it as 0 instead). A class absent from the ground truth only is likewise left
out of ``mean_acc``, while its IoU is 0 (every predicted pixel of it is a false positive).

``process`` stores, per image, only the non-zero cells of that image's confusion matrix.
"""
from typing import Dict, Optional, Sequence

import torch
from mmengine.logging import print_log

from mtl.evaluation.dataset_values import DatasetValuesMetric
from mtl.evaluation._sample import check_same_size, fetch_pair
from mtl.evaluation.scores import ScoredMetric
from mtl.registry import METRICS
from mtl.structures import IGNORE_INDEX


@METRICS.register_module()
class SegMetric(ScoredMetric, DatasetValuesMetric):
    """Pixel accuracy, mean accuracy and mIoU (see module doc)."""

    default_prefix = 'seg'
    needed = ('num_classes',)
    higher_is_better = {'pixel_acc': True, 'mean_acc': True, 'miou': True, 'iou': True}
    primary_keys = ('miou',)

    def __init__(self, num_classes: Optional[int] = None, task: str = 'seg', gt_key: str = 'seg',
                 ignore_index: int = IGNORE_INDEX, class_names: Optional[Sequence[str]] = None,
                 prefix: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(dict(num_classes=num_classes), collect_device=collect_device,
                         prefix=prefix)
        if num_classes is not None and num_classes < 1:
            raise ValueError(f'SegMetric needs num_classes >= 1; got {num_classes}.')
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f'SegMetric got {len(class_names)} class_names for '
                             f'num_classes={num_classes}.')
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.task, self.gt_key = task, gt_key
        self.class_names = tuple(class_names) if class_names is not None else None
        self._name = f'SegMetric(task={task!r}, gt_key={gt_key!r})'

    def use_dataset_values(self, values: dict) -> None:
        """The class count, and the class names, from the dataset's metainfo."""
        self.num_classes = values.get('num_classes', self.num_classes)
        classes = tuple((self.dataset_meta or {}).get('classes', ()))
        if self.class_names is None and classes and len(classes) == self.num_classes:
            self.class_names = classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Append, per sample, ``(flat cell indices, counts)`` of its confusion matrix.

        A sample without the target appends ``None`` (one entry per sample).
        """
        self.check_dataset_values(self._name)
        for sample in data_samples:
            pair = fetch_pair(sample, self.task, self.gt_key, self._name)
            self.results.append(None if pair is None else self._sparse_confusion(*pair))

    def _sparse_confusion(self, pred: torch.Tensor, gt: torch.Tensor):
        pred, gt = self._labels(pred, 'prediction'), self._labels(gt, 'target')
        check_same_size(pred, gt, self._name)
        labelled = gt != self.ignore_index
        if not labelled.all():  # unlabelled pixels count as (gt 0, pred 0), taken off below
            gt, pred = gt.masked_fill(~labelled, 0), pred.masked_fill(~labelled, 0)
        self._check_range(gt, labelled, 'target label', f' and is not the ignore index '
                          f'{self.ignore_index}. Check num_classes or the label map')
        self._check_range(pred, labelled, 'predicted label', '')
        counts = torch.bincount((gt * self.num_classes + pred).reshape(-1),
                                minlength=self.num_classes ** 2)
        counts[0] -= int((~labelled).sum())
        cells = counts.nonzero().squeeze(1)
        return cells, counts[cells]

    def _check_range(self, labels: torch.Tensor, labelled: torch.Tensor, what: str,
                     hint: str) -> None:
        """Every label must lie in [0, num_classes) (one min/max pass; ``labelled`` names
        the first offender in the error)."""
        low, high = torch.aminmax(labels)
        if low < 0 or high >= self.num_classes:
            bad = labelled & ((labels < 0) | (labels >= self.num_classes))
            raise ValueError(f'{self._name}: {what} {int(labels[bad][0])} is outside '
                             f'[0, num_classes={self.num_classes}){hint}.')

    def _labels(self, tensor: torch.Tensor, what: str) -> torch.Tensor:
        if tensor.dim() == 3 and tensor.shape[0] == 1:
            tensor = tensor[0]
        if tensor.dim() != 2 or tensor.is_floating_point():
            raise ValueError(f'{self._name}: the {what} must be an H×W integer label map; got '
                             f'{tensor.dtype} of shape {tuple(tensor.shape)} (predict mode '
                             f'must take the argmax of the logits).')
        return tensor.long()

    def confusion_matrix(self, results: list) -> torch.Tensor:
        """The set's ``(num_classes, num_classes)`` matrix: rows = gt, columns = prediction."""
        flat = torch.zeros(self.num_classes ** 2, dtype=torch.int64)
        for cells, counts in (r for r in results if r is not None):
            flat.index_add_(0, cells, counts)
        return flat.view(self.num_classes, self.num_classes)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        conf = self.confusion_matrix(results).double()
        total = conf.sum()
        if total == 0:
            raise ValueError(f'{self._name}: no labelled pixel in the whole set (all samples '
                             f'lack "{self.gt_key}" or are {self.ignore_index} everywhere).')
        tp, gt_pixels, pred_pixels = conf.diag(), conf.sum(1), conf.sum(0)
        nan = torch.tensor(float('nan'), dtype=torch.float64)
        acc = torch.where(gt_pixels > 0, tp / gt_pixels, nan)
        union = gt_pixels + pred_pixels - tp
        iou = torch.where(union > 0, tp / union, nan)
        metrics = {'pixel_acc': float(tp.sum() / total), 'mean_acc': float(acc.nanmean()),
                   'miou': float(iou.nanmean())}
        if self.class_names is not None:
            metrics.update({f'iou/{name}': float(v) for name, v in zip(self.class_names, iou)})
            metrics.update({f'acc/{name}': float(v) for name, v in zip(self.class_names, acc)})
            print_log(self.class_table(iou, acc), logger='current')
        return metrics

    def class_table(self, iou: torch.Tensor, acc: torch.Tensor) -> str:
        """Per-class IoU and accuracy (recall) in percent, one row per class name."""
        width = max(len('class'), *(len(name) for name in self.class_names))
        rows = [f'{self._name} per class:', f'{"class":<{width}}    IoU    Acc']
        rows += [f'{name:<{width}} {100 * float(i):6.2f} {100 * float(a):6.2f}'
                 for name, i, a in zip(self.class_names, iou, acc)]
        return '\n'.join(rows)
