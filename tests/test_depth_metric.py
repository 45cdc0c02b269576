"""DepthMetric: every key against numbers worked out by hand on tiny maps."""
import math

import pytest
import torch

from mtl.evaluation._crops import NAMED_CROPS, crop_box, crop_fractions, crop_mask
from mtl.evaluation.depth_metric import DepthMetric

NYU = dict(min_depth=1e-3, max_depth=10.0)  # the range the metric evaluates


def sample(pred, gt):
    return {'pred': {'depth': torch.tensor(pred, dtype=torch.float32)[None]},
            'gt': {'depth': torch.tensor(gt, dtype=torch.float32)[None]}, 'meta': {}}


def evaluate(metric, samples):
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_every_key_on_a_2x2_map():
    # gt = [1, 2, 4, 8], pred = [1.5, 2, 2.5, 8]: p − g = [0.5, 0, −1.5, 0]
    m = evaluate(DepthMetric(**NYU), [sample([[1.5, 2.0], [2.5, 8.0]], [[1.0, 2.0], [4.0, 8.0]])])
    assert m['abs_rel'] == pytest.approx((0.5 / 1 + 1.5 / 4) / 4)          # 0.21875
    assert m['sq_rel'] == pytest.approx((0.25 / 1 + 2.25 / 4) / 4)         # 0.203125
    assert m['sq_rel_kitti'] == pytest.approx((0.25 / 1 + 2.25 / 16) / 4)  # 0.09765625
    assert m['rmse'] == pytest.approx(math.sqrt((0.25 + 2.25) / 4))
    # e = ln p − ln g = [ln 1.5, 0, ln 0.625, 0]
    e = [math.log(1.5), 0.0, math.log(0.625), 0.0]
    mean_e2, mean_e = sum(x * x for x in e) / 4, sum(e) / 4
    assert m['rmse_log'] == pytest.approx(math.sqrt(mean_e2))
    assert m['silog'] == pytest.approx(100 * math.sqrt(mean_e2 - mean_e ** 2))
    assert m['log10'] == pytest.approx((math.log10(1.5) + abs(math.log10(0.625))) / 4)
    # max(p/g, g/p) = [1.5, 1, 1.6, 1]: < 1.25 twice, < 1.5625 three times, < 1.953 always
    assert (m['delta1'], m['delta2'], m['delta3']) == (0.5, 0.75, 1.0)
    # 1/p − 1/g in 1/km: [1000/1.5 − 1000, 0, 1000/2.5 − 250, 0] = [−333.3, 0, 150, 0]
    assert m['irmse'] == pytest.approx(math.sqrt(((1000 / 3) ** 2 + 150 ** 2) / 4), rel=1e-5)
    assert (m['num_images'], m['num_skipped']) == (1.0, 0.0)
    assert all(type(v) is float for v in m.values())


def test_invalid_gt_pixels_are_left_out():
    # Only the gt = 2 pixel is valid: 0 (invalid), NaN, 10 (not < max_depth) and 1e-3
    # (not > min_depth) are all left out, so abs_rel = |3 − 2| / 2.
    gt = [[0.0, float('nan'), 2.0], [10.0, 1e-3, 0.0]]
    m = evaluate(DepthMetric(**NYU), [sample([[9.0, 9.0, 3.0], [9.0, 9.0, 9.0]], gt)])
    assert m['abs_rel'] == pytest.approx(0.5)


def test_per_image_mean_differs_from_pooled_pixels():
    # A: 2 valid pixels (gt 1, pred 2): abs_rel 1, rmse 1, e = ln 2 constant -> silog 0.
    # B: 4 valid pixels, exact: abs_rel 0, rmse 0, silog 0.
    a = sample([[2.0, 2.0], [2.0, 2.0]], [[1.0, 1.0], [0.0, 0.0]])
    b = sample([[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]])
    per_image = evaluate(DepthMetric(**NYU, per_image=True), [a, b])
    assert per_image['abs_rel'] == pytest.approx(0.5)   # (1 + 0) / 2 images
    assert per_image['rmse'] == pytest.approx(0.5)
    assert per_image['silog'] == pytest.approx(0.0)
    pooled = evaluate(DepthMetric(**NYU, per_image=False), [a, b])
    assert pooled['abs_rel'] == pytest.approx(2 / 6)    # 2 unit errors over 6 pixels
    assert pooled['rmse'] == pytest.approx(math.sqrt(2 / 6))
    # Pooled e = [ln2, ln2, 0, 0, 0, 0]: mean(e²) − mean(e)² = ln²2/3 − ln²2/9 = 2 ln²2 / 9
    assert pooled['silog'] == pytest.approx(100 * math.log(2) * math.sqrt(2) / 3)


def test_named_crops_in_pixels():
    assert crop_box(NAMED_CROPS['eigen_nyu'], 480, 640) == (45, 471, 41, 601)
    # KITTI 375×1242, truncating like the Garg/Godard scripts:
    # garg: 0.40810811·375 = 153.04, 0.99189189·375 = 371.96, 0.03594771·1242 = 44.6,
    # 0.96405229·1242 = 1197.3; eigen_kitti rows: 0.3324324·375 = 124.7, 0.91351351·375 = 342.6
    assert crop_box(NAMED_CROPS['garg'], 375, 1242) == (153, 371, 44, 1197)
    assert crop_box(NAMED_CROPS['eigen_kitti'], 375, 1242) == (124, 342, 44, 1197)
    assert crop_box(crop_fractions((0.5, 1.0, 0.0, 0.25)), 4, 8) == (2, 4, 0, 2)
    mask = crop_mask(crop_fractions('eigen_nyu'), 480, 640)
    assert int(mask.sum()) == (471 - 45) * (601 - 41)
    assert mask[45, 41] and mask[470, 600]
    assert not (mask[44, 41] or mask[471, 600] or mask[45, 40] or mask[45, 601])


def test_eigen_nyu_crop_excludes_rows_above_45():
    gt = torch.ones(1, 480, 640)
    pred = gt.clone()
    pred[:, :45] = 2.0  # errors only above the crop
    s = {'pred': {'depth': pred}, 'gt': {'depth': gt}, 'meta': {}}
    assert evaluate(DepthMetric(**NYU, crop='eigen_nyu'), [s])['abs_rel'] == 0.0
    assert evaluate(DepthMetric(**NYU), [s])['abs_rel'] == pytest.approx(45 / 480)


def test_bad_crops_are_rejected():
    with pytest.raises(ValueError, match='Unknown crop "nyu"'):
        DepthMetric(crop='nyu')
    with pytest.raises(ValueError, match='top < bottom'):
        DepthMetric(crop=(0.5, 0.4, 0.0, 1.0))


def test_depth_caps_keep_gt_up_to_the_cap():
    # gt = [1, 4, 5, 7], pred = [2, 4, 5, 7]: only the first pixel is wrong (rel. error 1).
    m = evaluate(DepthMetric(**NYU, depth_caps=(4, 6)), [sample([[2.0, 4.0], [5.0, 7.0]],
                                                         [[1.0, 4.0], [5.0, 7.0]])])
    assert m['abs_rel'] == pytest.approx(1 / 4)
    assert m['abs_rel@4m'] == pytest.approx(1 / 2)   # gt ≤ 4 includes gt = 4
    assert m['abs_rel@6m'] == pytest.approx(1 / 3)
    assert m['delta1@4m'] == pytest.approx(0.5)
    assert {'rmse@6m', 'silog@4m', 'sq_rel_kitti@6m'} <= set(m)


def test_per_image_cap_average_leaves_out_images_without_pixels_under_the_cap():
    near = sample([[2.0]], [[1.0]])   # abs_rel 1, gt ≤ 4
    far = sample([[5.0]], [[5.0]])    # abs_rel 0, nothing ≤ 4
    m = evaluate(DepthMetric(**NYU, depth_caps=(4,)), [near, far])
    assert m['abs_rel'] == pytest.approx(0.5)
    assert m['abs_rel@4m'] == pytest.approx(1.0)


def test_cap_without_any_pixel_raises():
    with pytest.raises(ValueError, match='no valid pixel with gt <= 4 m'):
        evaluate(DepthMetric(**NYU, depth_caps=(4,)), [sample([[5.0]], [[5.0]])])


def test_predictions_are_clamped_to_the_depth_range():
    # pred 20 -> 10 (max_depth), pred 0 -> 1e-3: abs_rel = ((10 − 2) / 2 + (2 − 1e-3) / 2) / 2
    m = evaluate(DepthMetric(**NYU), [sample([[20.0, 0.0]], [[2.0, 2.0]])])
    assert m['abs_rel'] == pytest.approx((4.0 + (2 - 1e-3) / 2) / 2)
    m = evaluate(DepthMetric(**NYU, clamp_pred=False), [sample([[20.0]], [[2.0]])])
    assert m['abs_rel'] == pytest.approx(9.0)
    with pytest.raises(ValueError, match='clamp_pred=True'):
        evaluate(DepthMetric(**NYU, clamp_pred=False), [sample([[0.0]], [[2.0]])])


def test_images_without_valid_pixels_and_samples_without_gt():
    unlabelled = {'pred': {'depth': torch.ones(1, 1, 1)}, 'gt': {'seg': torch.zeros(1, 1)}}
    empty = sample([[3.0]], [[0.0]])
    m = evaluate(DepthMetric(**NYU), [sample([[2.0]], [[1.0]]), empty, unlabelled])
    assert (m['num_images'], m['num_skipped'], m['abs_rel']) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match='no valid pixel in the whole set'):
        evaluate(DepthMetric(**NYU), [empty])
    with pytest.raises(ValueError, match='none of the 1 evaluated samples has the target "depth"'):
        evaluate(DepthMetric(**NYU), [unlabelled])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match='no prediction "depth"'):
        DepthMetric(**NYU).process({}, [{'pred': {'seg': torch.zeros(2, 2)}, 'gt': {}}])
    with pytest.raises(ValueError, match='resize the prediction'):
        DepthMetric(**NYU).process({}, [{'pred': {'depth': torch.ones(1, 2, 2)},
                                    'gt': {'depth': torch.ones(1, 3, 3)}}])
    with pytest.raises(ValueError, match='NaN or infinite'):
        DepthMetric(**NYU).process({}, [sample([[float('nan')]], [[1.0]])])
    with pytest.raises(ValueError, match='min_depth < max_depth'):
        DepthMetric(min_depth=5, max_depth=1)


@pytest.mark.parametrize('direction', ['over', 'under'])
def test_delta_thresholds_are_exactly_1_25_powers(direction):
    """Ratios just below and just above 1.25, 1.25² and 1.25³ (pred over or under gt): a
    threshold of 1.2 or 1.3 instead of 1.25 changes every count."""
    ratios = [t * f for t in (1.25, 1.25 ** 2, 1.25 ** 3) for f in (1 - 1e-3, 1 + 1e-3)]
    gt = 2.0
    pred = [gt * r if direction == 'over' else gt / r for r in ratios]
    m = evaluate(DepthMetric(**NYU), [sample([pred], [[gt] * len(pred)])])
    # below 1.25: 1 of 6; below 1.5625: 3 of 6 (1.25 ± ε and 1.5625 − ε); below 1.953: 5 of 6
    assert m['delta1'] == pytest.approx(1 / 6)
    assert m['delta2'] == pytest.approx(3 / 6)
    assert m['delta3'] == pytest.approx(5 / 6)


def _reference_sums(pred, gt, metric):
    """The metric's per-image sums by the direct formulas: float64 per-pixel values of every
    quantity stacked, one boolean mask per cap (the implementation before issue 13)."""
    valid = torch.isfinite(gt) & (gt > metric.min_depth) & (gt < metric.max_depth)
    valid &= crop_mask(metric.crop, *gt.shape)
    p, g = pred.double()[valid].clamp(metric.min_depth, metric.max_depth), gt[valid].double()
    diff, log_diff = p - g, p.log() - g.log()
    ratio = torch.maximum(p / g, g / p)
    values = torch.stack([torch.ones_like(p), diff.abs() / g, diff ** 2 / g, diff ** 2 / g ** 2,
                          diff ** 2, log_diff ** 2, (p.log10() - g.log10()).abs(),
                          (ratio < 1.25).double(), (ratio < 1.25 ** 2).double(),
                          (ratio < 1.25 ** 3).double(), log_diff,
                          (1000.0 / p - 1000.0 / g) ** 2])
    caps = (math.inf,) + metric.depth_caps
    return torch.stack([values[:, g <= cap].sum(1) for cap in caps])


@pytest.mark.parametrize('crop, caps', [(None, ()), ('eigen_nyu', (6, 4, 8)),
                                        ((0.1, 0.9, 0.0, 1.0), (3,))])
def test_vectorised_sums_equal_the_direct_formulas_on_random_maps(crop, caps):
    # 300×260 = 78 000 pixels: more than one chunk of the vectorised pass.
    generator = torch.Generator().manual_seed(len(caps))
    gt = torch.rand(300, 260, generator=generator) * 12
    gt[torch.rand(gt.shape, generator=generator) < 0.05] = float('nan')
    gt[:, :7] = 0.0
    pred = gt.nan_to_num(5.0) * (0.5 + torch.rand(gt.shape, generator=generator)) + 0.01
    metric = DepthMetric(**NYU, crop=crop, depth_caps=caps)
    metric.process({}, [{'pred': {'depth': pred[None]}, 'gt': {'depth': gt[None]}, 'meta': {}}])
    expected = _reference_sums(pred, gt, metric)
    assert metric.results[0].shape == expected.shape == (1 + len(caps), 12)
    torch.testing.assert_close(metric.results[0], expected, rtol=1e-9, atol=0)
