"""NormalMetric: angles of known rotations, the histogram median, invalid pixels."""
import math

import numpy as np
import pytest
import torch

from mtl.evaluation.normal_metric import NormalMetric


def tilted(degrees, scale=1.0):
    """3×1×N normals rotated by ``degrees`` from (0, 0, −1) about the y axis."""
    rad = torch.tensor(degrees, dtype=torch.float64).deg2rad()
    vec = torch.stack([rad.sin(), torch.zeros_like(rad), -rad.cos()]) * scale
    return vec[:, None, :].float()


def evaluate(metric, samples):
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_angles_by_hand():
    # Errors 0°, 10°, 20°, 40° (the prediction is not unit length: it is normalised) and
    # one invalid pixel (zero gt vector) carrying a 90° error that must be left out.
    gt = tilted([0.0, 0.0, 0.0, 0.0, 0.0])
    gt[:, 0, 4] = 0.0
    pred = tilted([0.0, 10.0, 20.0, 40.0, 90.0], scale=3.0)
    m = evaluate(NormalMetric(), [{'pred': {'normals': pred}, 'gt': {'normals': gt}}])
    assert m['mean_angle'] == pytest.approx((0 + 10 + 20 + 40) / 4, abs=1e-4)
    assert m['median_angle'] == pytest.approx((10 + 20) / 2, abs=0.0051)  # half a 0.01° bin
    assert m['rmse_angle'] == pytest.approx(math.sqrt((0 + 100 + 400 + 1600) / 4), abs=1e-4)
    assert m['within_11.25'] == pytest.approx(50.0)   # percent: 0°, 10°
    assert m['within_22.5'] == pytest.approx(75.0)    # 0°, 10°, 20°
    assert m['within_30'] == pytest.approx(75.0)
    assert all(type(v) is float for v in m.values())


@pytest.mark.parametrize('sizes', [(37, 24), (37, 23)])  # 549 (odd) and 540 (even) pixels
def test_median_from_histogram_is_within_a_hundredth_of_a_degree(sizes):
    metric = NormalMetric()
    samples, angles = [], []
    for size in sizes:  # two images pooled
        pred, gt = torch.randn(3, size, 9), torch.randn(3, size, 9)
        samples.append({'pred': {'normals': pred}, 'gt': {'normals': gt}})
        angles.append(metric.angles(pred, gt).numpy())
    exact = np.concatenate(angles)
    m = evaluate(metric, samples)
    assert abs(m['median_angle'] - float(np.median(exact))) <= 0.005 + 1e-9
    assert m['mean_angle'] == pytest.approx(float(exact.mean()))
    assert m['within_30'] == pytest.approx(100 * float((exact < 30).mean()))


def test_results_hold_only_sparse_bins():
    metric = NormalMetric()
    metric.process({}, [{'pred': {'normals': tilted([5.0] * 50)},
                         'gt': {'normals': tilted([0.0] * 50)}}])
    record = metric.results[0]
    assert record['bins'].numel() == 1 and int(record['bin_counts'][0]) == 50


def test_skips_unlabelled_samples_and_raises_on_bad_input():
    labelled = {'pred': {'normals': tilted([10.0])}, 'gt': {'normals': tilted([0.0])}}
    unlabelled = {'pred': {'normals': tilted([80.0])}, 'gt': {}}
    assert evaluate(NormalMetric(), [labelled, unlabelled])['mean_angle'] == pytest.approx(
        10.0, abs=1e-4)
    with pytest.raises(ValueError, match='no valid normal in the whole set'):
        evaluate(NormalMetric(), [{'pred': {'normals': tilted([1.0])},
                                   'gt': {'normals': torch.zeros(3, 1, 1)}}])
    with pytest.raises(ValueError, match='3×H×W normals'):
        NormalMetric().process({}, [{'pred': {'normals': torch.ones(1, 2, 2)},
                                     'gt': {'normals': torch.ones(3, 2, 2)}}])
    with pytest.raises(ValueError, match='no prediction "normals"'):
        NormalMetric().process({}, [{'pred': {}, 'gt': {'normals': torch.ones(3, 2, 2)}}])


def test_angles_equal_the_direct_formula_on_random_maps():
    # acos of the dot product of F.normalize'd vectors, the formula before issue 13; some
    # gt vectors are zero (invalid) or NaN, some predictions zero (90°).
    generator = torch.Generator().manual_seed(0)
    gt, pred = torch.randn(3, 90, 120, generator=generator), torch.randn(3, 90, 120, generator=generator)
    gt[:, :5] = 0.0
    gt[1, 10:12] = float('nan')
    pred[:, 20:22] = 0.0
    valid = torch.isfinite(gt).all(0) & (gt.abs().sum(0) > 0)
    p, g = pred[:, valid].double(), gt[:, valid].double()
    direct = torch.rad2deg(torch.acos((torch.nn.functional.normalize(p, dim=0)
                                       * torch.nn.functional.normalize(g, dim=0)).sum(0).clamp(-1, 1)))
    torch.testing.assert_close(NormalMetric().angles(pred, gt), direct, rtol=0, atol=1e-6)
