"""SegMetric: pixel accuracy, mean accuracy and mIoU from a hand-built confusion matrix."""
import math

import pytest
import torch

from mtl.evaluation.seg_metric import SegMetric


def sample(pred, gt):
    return {'pred': {'seg': torch.tensor(pred)}, 'gt': {'seg': torch.tensor(gt)}, 'meta': {}}


def evaluate(metric, samples):
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


GT = [[0, 0, 1], [1, 2, 255], [2, 2, 0]]
PRED = [[0, 1, 1], [1, 2, 0], [0, 2, 0]]
# Labelled pixels (gt, pred): (0,0) (0,1) (1,1) (1,1) (2,2) (2,0) (2,2) (0,0); the 255 is ignored.
# Confusion (rows gt, columns pred): [[2,1,0,0], [0,2,0,0], [1,0,2,0], [0,0,0,0]]


def test_confusion_matrix_and_metrics_by_hand():
    metric = SegMetric(num_classes=4, class_names=('floor', 'wall', 'chair', 'lamp'))
    metric.process({}, [sample(PRED, GT)])
    assert metric.confusion_matrix(metric.results).tolist() == [
        [2, 1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    m = metric.compute_metrics(metric.results)
    assert m['pixel_acc'] == pytest.approx(6 / 8)
    # Recall per class 2/3, 2/2, 2/3; class 3 has no gt pixel and is left out.
    assert m['mean_acc'] == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    # IoU: class 0: 2 / (3 + 3 − 2) = 1/2; class 1: 2 / (2 + 3 − 2) = 2/3;
    # class 2: 2 / (3 + 2 − 2) = 2/3; class 3 absent from gt and prediction: NaN, left out
    # (the MTL survey's convention would count it as 0 and give 11/24).
    assert m['miou'] == pytest.approx((1 / 2 + 2 / 3 + 2 / 3) / 3)   # 11/18
    assert m['iou/floor'] == pytest.approx(0.5)
    assert m['iou/chair'] == pytest.approx(2 / 3)
    assert math.isnan(m['iou/lamp'])
    assert all(type(v) is float for v in m.values())


def test_class_predicted_but_absent_from_gt_counts_as_zero_iou():
    # gt [0, 0], pred [0, 1]: IoU0 = 1 / 2, IoU1 = 0 / 1; recall only for class 0.
    m = evaluate(SegMetric(num_classes=2), [sample([[0, 1]], [[0, 0]])])
    assert m['miou'] == pytest.approx(0.25)
    assert m['mean_acc'] == pytest.approx(0.5)


def test_confusion_accumulates_over_images_and_skips_unlabelled_samples():
    split = [sample(PRED[:2], GT[:2]), sample(PRED[2:], GT[2:]),
             {'pred': {'seg': torch.zeros(2, 2, dtype=torch.long)}, 'gt': {}}]
    assert evaluate(SegMetric(num_classes=4), split) == evaluate(SegMetric(num_classes=4),
                                                                 [sample(PRED, GT)])


def test_bad_labels_raise_clear_errors():
    with pytest.raises(ValueError, match='target label 7 is outside \\[0, num_classes=4\\)'):
        evaluate(SegMetric(num_classes=4), [sample([[0, 0]], [[0, 7]])])
    with pytest.raises(ValueError, match='predicted label 5'):
        evaluate(SegMetric(num_classes=4), [sample([[0, 5]], [[0, 1]])])
    with pytest.raises(ValueError, match='argmax'):
        SegMetric(num_classes=4).process({}, [{'pred': {'seg': torch.zeros(4, 2, 2)},
                                               'gt': {'seg': torch.zeros(2, 2).long()}}])
    with pytest.raises(ValueError, match='no labelled pixel'):
        evaluate(SegMetric(num_classes=4), [sample([[0]], [[255]])])
    with pytest.raises(ValueError, match='no prediction "seg"'):
        SegMetric(num_classes=4).process({}, [{'pred': {'depth': torch.ones(1, 1, 1)}}])
    with pytest.raises(ValueError, match='3 class_names for num_classes=4'):
        SegMetric(num_classes=4, class_names=('a', 'b', 'c'))


def test_confusion_equals_a_direct_count_on_random_maps():
    # Random labels with ignored pixels, and predictions out of range only where ignored.
    generator = torch.Generator().manual_seed(0)
    gt = torch.randint(0, 13, (120, 160), generator=generator)
    gt[torch.rand(gt.shape, generator=generator) < 0.2] = 255
    pred = torch.randint(0, 13, gt.shape, generator=generator)
    pred[gt == 255] = 99
    metric = SegMetric(num_classes=13)
    metric.process({}, [{'pred': {'seg': pred}, 'gt': {'seg': gt}, 'meta': {}}])
    labelled = gt != 255
    ones = torch.ones(int(labelled.sum()), dtype=torch.int64)
    expected = torch.zeros(13, 13, dtype=torch.int64)
    expected.index_put_((gt[labelled], pred[labelled]), ones, accumulate=True)
    assert torch.equal(metric.confusion_matrix(metric.results), expected)
