"""ContourMetric: pixel-exact F-measure over thresholds on a hand-checked map."""
import pytest
import torch

from mtl.evaluation.contour_metric import ContourMetric


def sample(pred, gt):
    return {'pred': {'contours': torch.tensor(pred)[None]},
            'gt': {'contours': torch.tensor(gt, dtype=torch.uint8)[None]}, 'meta': {}}


def evaluate(metric, samples):
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


# Labelled pixels: contours at p = 0.92, 0.32; background at p = 0.62, 0.12, 0.02; the
# 255 pixel (p = 0.99) is ignored.
PRED = [[0.92, 0.32, 0.62], [0.12, 0.99, 0.02]]
GT = [[1, 1, 0], [0, 255, 0]]


def test_f_measure_by_hand():
    m = evaluate(ContourMetric(), [sample(PRED, GT)])
    # t = 0.05, 0.10: 4 predicted, TP 2 -> P 1/2, R 1, F 2/3
    # t = 0.15 .. 0.30: 3 predicted, TP 2 -> P 2/3, R 1, F 0.8   <- best, lowest t kept
    # t = 0.35 .. 0.60: 2 predicted, TP 1 -> P 1/2, R 1/2, F 1/2
    # t = 0.65 .. 0.90: 1 predicted, TP 1 -> P 1, R 1/2, F 2/3;  t = 0.95: F 0
    assert m['ods_f'] == pytest.approx(0.8)
    assert m['ods_threshold'] == pytest.approx(0.15)
    assert (m['f@0.5'], m['precision@0.5'], m['recall@0.5']) == pytest.approx((0.5, 0.5, 0.5))
    assert all(type(v) is float for v in m.values())


def test_counts_are_pooled_over_the_set_not_averaged():
    # Image A: 1 contour pixel hit at 0.9 (F 1 at 0.5); image B: 3 contour pixels, all
    # missed (F 0). Mean of per-image F would be 0.5; pooled: TP 1, predicted 1, gt 4 ->
    # P 1, R 1/4, F = 2 · 0.25 / 1.25 = 0.4.
    a = sample([[0.9]], [[1]])
    b = sample([[0.1, 0.1, 0.1]], [[1, 1, 1]])
    assert evaluate(ContourMetric(thresholds=(0.5,)), [a, b])['f@0.5'] == pytest.approx(0.4)


def test_thresholds_are_configurable():
    m = evaluate(ContourMetric(thresholds=(0.7, 0.3)), [sample(PRED, GT)])
    assert (m['ods_f'], m['ods_threshold']) == (pytest.approx(0.8), 0.3)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match='apply a sigmoid'):
        evaluate(ContourMetric(), [sample([[2.5, -1.0]], [[1, 0]])])
    with pytest.raises(ValueError, match='target value 2 is not 0, 1'):
        evaluate(ContourMetric(), [sample([[0.5, 0.5]], [[1, 2]])])
    with pytest.raises(ValueError, match='no gt contour pixel in the whole set'):
        evaluate(ContourMetric(), [sample([[0.5, 0.5]], [[0, 255]])])
    with pytest.raises(ValueError, match='no prediction "contours"'):
        ContourMetric().process({}, [{'pred': {'edges': torch.zeros(1, 1, 1)}, 'gt': {}}])
    with pytest.raises(ValueError, match='thresholds in \\(0, 1\\]'):
        ContourMetric(thresholds=(0.0, 0.5))
