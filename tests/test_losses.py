"""Losses against hand-computed values on 2×2 and 1×3 maps."""
import math

import pytest
import torch
from torch.nn import functional as F

from mtl.models.losses.balanced_bce import BalancedBCELoss
from mtl.models.losses.berhu import BerHuLoss
from mtl.models.losses.cross_entropy import CrossEntropyLoss
from mtl.models.losses.focal import FocalLoss
from mtl.models.losses.functional import berhu
from mtl.models.losses.masked_regression import MaskedL1Loss, MaskedL2Loss
from mtl.models.losses.normal_cosine import NormalCosineLoss
from mtl.models.losses.silog import SILogLoss
from mtl.structures import valid_mask

LN2 = math.log(2)


def row(*values, dtype=torch.float32):
    """A 1×1×1×N map."""
    return torch.tensor(values, dtype=dtype).view(1, 1, 1, -1)


# ----------------------------------------------------------------- regression
PRED = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
DEPTH = torch.tensor([[1.5, 0.0], [1.0, 5.0]]).view(1, 1, 2, 2)  # the 0 is unlabelled


def test_masked_l1_and_l2_average_over_labelled_pixels():
    mask = valid_mask('depth', DEPTH)
    assert mask.tolist() == [[[True, False], [True, True]]]
    # |errors| on labelled pixels: 0.5, 2, 1
    assert MaskedL1Loss()(PRED, DEPTH, mask).item() == pytest.approx(3.5 / 3)
    assert MaskedL2Loss()(PRED, DEPTH, mask).item() == pytest.approx((0.25 + 4 + 1) / 3)
    # without a mask the unlabelled pixel counts too: |2 − 0| = 2
    assert MaskedL1Loss()(PRED, DEPTH).item() == pytest.approx(5.5 / 4)


def test_berhu_function_switches_at_c():
    c = torch.tensor(0.4)
    values = berhu(torch.tensor([0.1, -0.3, 0.4, 0.5, -2.0]), c)
    # |e| up to c = 0.4, then (e² + c²) / 2c
    expected = [0.1, 0.3, 0.4, (0.25 + 0.16) / 0.8, (4 + 0.16) / 0.8]
    assert values.tolist() == pytest.approx(expected)
    assert berhu(torch.tensor([-0.7, 0.2]), torch.tensor(0.0)).tolist() == pytest.approx([0.7, 0.2])


def test_berhu_loss_hand_value_and_gradient_with_detached_c():
    target = torch.zeros(1, 1, 1, 3) + 1.0
    pred = (target + row(0.1, 0.5, 2.0)).requires_grad_()
    loss = BerHuLoss(threshold=0.2)(pred, target, torch.ones(1, 1, 3, dtype=torch.bool))
    # c = 0.2 · max|e| = 0.4; values 0.1, (0.25 + 0.16)/0.8 = 0.5125, (4 + 0.16)/0.8 = 5.2
    assert loss.item() == pytest.approx((0.1 + 0.5125 + 5.2) / 3)
    loss.backward()
    # c is a constant: dB/de = sign(e) below c, e / c above; the mean divides by 3.
    # (A c with a gradient would add ∂B/∂c · 0.2 = (c² − e²)/(2c²) · 0.2 on the last pixel.)
    assert pred.grad.flatten().tolist() == pytest.approx([1 / 3, 1.25 / 3, 5 / 3])


def test_berhu_threshold_comes_from_labelled_pixels_only():
    target = row(1.0, 1.0, 1.0)
    pred = target + row(0.1, 0.5, 2.0)
    mask = torch.tensor([[[True, True, False]]])
    # c = 0.2 · 0.5 = 0.1: 0.1 stays 0.1, 0.5 -> (0.25 + 0.01) / 0.2 = 1.3
    assert BerHuLoss()(pred, target, mask).item() == pytest.approx((0.1 + 1.3) / 2)


def test_silog_hand_values():
    gt = row(1.0, 2.0, 4.0)
    pred = gt * torch.exp(row(0.0, 1.0, 2.0))  # d = ln pred − ln gt = 0, 1, 2
    mask = torch.ones(1, 1, 3, dtype=torch.bool)
    # mean d² = 5/3, mean d = 1: 10 · sqrt(5/3 − 0.85)
    assert SILogLoss()(pred, gt, mask).item() == pytest.approx(10 * math.sqrt(5 / 3 - 0.85), rel=1e-5)
    # Eigen's form: 5/3 − 0.5 · 1 = 7/6
    eigen = SILogLoss(lambd=0.5, scale=1.0, sqrt=False)
    assert eigen(pred, gt, mask).item() == pytest.approx(7 / 6, rel=1e-5)
    # an unlabelled pixel is left out: d = 0, 1 -> 10 · sqrt(1/2 − 0.85 · 1/4)
    assert SILogLoss()(pred, gt, torch.tensor([[[True, True, False]]])).item() == pytest.approx(
        10 * math.sqrt(0.5 - 0.85 / 4), rel=1e-5)
    with pytest.raises(ValueError, match='lambd must lie in'):
        SILogLoss(lambd=1.5)


# ----------------------------------------------------------------- classification
# Three pixels, three classes. Pixel 0: logits (ln 2, 0, 0) -> p = (1/2, 1/4, 1/4), label 0.
# Pixel 1: logits (0, ln 2, 0) -> p = (1/4, 1/2, 1/4), label 2. Pixel 2 is ignored.
LOGITS = torch.tensor([[LN2, 0.0, 5.0], [0.0, LN2, 1.0], [0.0, 0.0, -3.0]]).view(1, 3, 1, 3)
LABELS = torch.tensor([0, 2, 255]).view(1, 1, 3)
# −ln p_t: ln 2 and ln 4


def test_cross_entropy_ignores_and_weights_classes():
    mask = valid_mask('seg', LABELS)
    assert CrossEntropyLoss()(LOGITS, LABELS, mask).item() == pytest.approx((LN2 + 2 * LN2) / 2)
    # class weights (1, 2, 3): weighted mean (1 · ln 2 + 3 · ln 4) / (1 + 3) = 7/4 ln 2
    weighted = CrossEntropyLoss(class_weight=[1.0, 2.0, 3.0])
    assert weighted(LOGITS, LABELS, mask).item() == pytest.approx(7 / 4 * LN2)
    manual = -(F.log_softmax(LOGITS, 1)[0, 0, 0, 0] + 3 * F.log_softmax(LOGITS, 1)[0, 2, 0, 1]) / 4
    assert weighted(LOGITS, LABELS, mask).item() == pytest.approx(manual.item())
    # a 1×H×W label map (contours-like) is accepted too
    assert CrossEntropyLoss()(LOGITS, LABELS[:, None]).item() == pytest.approx(1.5 * LN2)


def test_focal_with_gamma_zero_is_alpha_times_cross_entropy():
    ce = CrossEntropyLoss()(LOGITS, LABELS)
    assert FocalLoss(alpha=0.25, gamma=0.0)(LOGITS, LABELS).item() == pytest.approx(0.25 * ce.item())


def test_focal_hand_values():
    # gamma 2: (1 − 1/2)² ln 2 = ln2 / 4 and (1 − 1/4)² ln 4 = 9/8 ln 2; mean = 11/16 ln 2
    assert FocalLoss(alpha=0.25, gamma=2.0)(LOGITS, LABELS).item() == pytest.approx(0.25 * 11 / 16 * LN2)
    # per-class alpha: α_0 = 0.1 on pixel 0, α_2 = 0.7 on pixel 1
    per_class = FocalLoss(alpha=[0.1, 0.2, 0.7], gamma=2.0)
    assert per_class(LOGITS, LABELS).item() == pytest.approx((0.1 * LN2 / 4 + 0.7 * 9 / 8 * LN2) / 2)


def test_focal_errors():
    with pytest.raises(ValueError, match='Label 3 is out of range for a head with 3 classes'):
        FocalLoss()(LOGITS, torch.tensor([0, 3, 255]).view(1, 1, 3))
    with pytest.raises(ValueError, match='alpha has 2 values for 3 classes'):
        FocalLoss(alpha=[0.5, 0.5])(LOGITS, LABELS)
    with pytest.raises(ValueError, match='gamma must be >= 0'):
        FocalLoss(gamma=-1.0)
    with pytest.raises(ValueError, match='Label -1 is out of range'):
        CrossEntropyLoss()(LOGITS, torch.tensor([0, -1, 255]).view(1, 1, 3))


def test_normal_cosine_loss():
    e_x, e_y = torch.tensor([2.0, 0, 0]), torch.tensor([0, 1.0, 0])
    pred = torch.stack([e_x, e_x, e_y], dim=1).view(1, 3, 1, 3)
    target = torch.stack([e_x, e_y, torch.zeros(3)], dim=1).view(1, 3, 1, 3)  # last one invalid
    mask = valid_mask('normals', target)
    assert mask.tolist() == [[[True, True, False]]]
    # 1 − cos: identical (length ignored) -> 0, orthogonal -> 1
    assert NormalCosineLoss()(pred, target, mask).item() == pytest.approx(0.5)
    assert NormalCosineLoss()(pred[..., :1], target[..., :1]).item() == pytest.approx(0.0, abs=1e-7)
    assert NormalCosineLoss()(pred[..., 1:2], target[..., 1:2]).item() == pytest.approx(1.0)


def test_balanced_bce_weights_positives_by_the_negative_fraction():
    logits = row(0.0, math.log(3.0), 0.0, 9.0)
    labels = row(1, 0, 0, 255, dtype=torch.uint8)
    mask = valid_mask('contours', labels)
    # 3 labelled, 1 positive: β = 2/3 on the positive, 1 − β = 1/3 on the negatives.
    # BCE: pixel 0 −ln σ(0) = ln 2; pixel 1 −ln(1 − 3/4) = ln 4; pixel 2 ln 2.
    # (2/3 · ln 2 + 1/3 · 2 ln 2 + 1/3 · ln 2) / 3 = 5/9 ln 2
    assert BalancedBCELoss()(logits, labels, mask).item() == pytest.approx(5 / 9 * LN2)


# ----------------------------------------------------------------- empty batches
EMPTY_CASES = [
    (MaskedL1Loss(), 1, torch.zeros(1, 1, 2, 2), 'depth'),
    (MaskedL2Loss(), 1, torch.zeros(1, 1, 2, 2), 'depth'),
    (BerHuLoss(), 1, torch.zeros(1, 1, 2, 2), 'depth'),
    (SILogLoss(), 1, torch.zeros(1, 1, 2, 2), 'depth'),
    (NormalCosineLoss(), 3, torch.zeros(1, 3, 2, 2), 'normals'),
    (CrossEntropyLoss(), 3, torch.full((1, 2, 2), 255), 'seg'),
    (FocalLoss(), 3, torch.full((1, 2, 2), 255), 'seg'),
    (BalancedBCELoss(), 1, torch.full((1, 1, 2, 2), 255, dtype=torch.uint8), 'contours'),
]


@pytest.mark.parametrize('loss, channels, target, key', EMPTY_CASES,
                         ids=[type(c[0]).__name__ for c in EMPTY_CASES])
def test_no_labelled_pixel_gives_an_exact_zero_with_a_zero_gradient(loss, channels, target, key):
    # large predictions: the unlabelled errors would overflow berHu's quadratic branch (c = 0)
    pred = torch.full((1, channels, 2, 2), 30.0, requires_grad=True)
    value = loss(pred, target, valid_mask(key, target))
    assert value.item() == 0.0
    value.backward()
    assert torch.equal(pred.grad, torch.zeros_like(pred))


def test_overflowing_unlabelled_pixels_do_not_turn_an_empty_loss_into_nan():
    pred = torch.full((1, 1, 2, 2), 1e20, requires_grad=True)  # (1e20)² overflows float32 to inf
    target = torch.zeros(1, 1, 2, 2)
    value = MaskedL2Loss()(pred, target, valid_mask('depth', target))
    assert value.item() == 0.0
    value.backward()
    assert torch.equal(pred.grad, torch.zeros_like(pred))
