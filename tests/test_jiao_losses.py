"""Jiao et al. (ECCV 2018) attention-driven loss terms against hand-worked values:
L_DA (Eqs. 1-2), L_JG (Eq. 5), and the focal loss's per-class α from frequencies (Eq. 6)."""
import math

import pytest
import torch

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.models.losses.depth_aware import depth_lambda
from mtl.models.losses.focal import alpha_from_frequencies
from mtl.models.losses.joint_gradient import sobel_gradients
from mtl.registry import MODELS

LN2, LN3 = math.log(2), math.log(3)


def maps(*values):
    return torch.tensor(values, dtype=torch.float32).view(1, 1, 1, -1)


# ---------------------------------------------------------------- L_DA
def test_depth_aware_value_by_hand():
    loss = MODELS.build(dict(type='DepthAwareLoss', max_depth=10.0))
    pred, gt = maps(2.0, 1.5), maps(1.0, 1.5)
    # errors 1, 0 -> berHu c = 0.2·1; ℓ = (1 + 0.04) / 0.4 = 2.6 and 0
    # α_D = 1/10; λ_D = 1 − ln(1+1)/ln(1+2)
    expected = ((0.1 + 1 - LN2 / LN3) * 2.6 + 0.0) / 2
    assert loss(pred, gt).item() == pytest.approx(expected, rel=1e-6)


def test_depth_aware_gradient_with_and_without_detached_lambda():
    gt = maps(1.0)
    # One pixel: c = 0.2·|e|, so ℓ = (e² + c²) / 2c and ∂ℓ/∂d = e / c = 5.
    lam, ell = 1 - LN2 / LN3, 2.6
    # ∂λ/∂d for d > d_gt: ln(1 + d_gt) / ln(1 + d)² / (1 + d) = ln2 / ln3² / 3
    dlam = LN2 / LN3 ** 2 / 3
    for detach, expected in ((True, (0.1 + lam) * 5), (False, (0.1 + lam) * 5 + ell * dlam)):
        pred = maps(2.0).requires_grad_()
        MODELS.build(dict(type='DepthAwareLoss', max_depth=10.0,
                          detach_lambda=detach))(pred, gt).backward()
        assert pred.grad.item() == pytest.approx(expected, rel=1e-5)


def test_depth_aware_lambda_properties_below_one_metre():
    pred = torch.tensor([0.3, 0.5, 0.5, 1e-6, 1e4])
    gt = torch.tensor([0.3, 2.0, 0.2, 5.0, 2.0])
    lam = depth_lambda(pred, gt)
    assert lam[0] == 0  # exact prediction
    assert ((lam >= 0) & (lam < 1)).all()  # the literal log d gives 2 for (0.5, 2)
    assert lam[1].item() == pytest.approx(1 - math.log(1.5) / LN3)
    assert lam[3] > 0.999 and lam[4] > 0.8  # gross errors -> 1
    with pytest.raises(ValueError, match='log_offset'):
        MODELS.build(dict(type='DepthAwareLoss', max_depth=10.0, log_offset=0.0))


def test_depth_aware_attention_follows_the_depth_range_and_masks_invalid_pixels():
    loss = MODELS.build(dict(type='DepthAwareLoss', max_depth=8.0, min_depth=0.0))
    assert loss.attention(maps(2.0, 8.0, 12.0)).flatten().tolist() == [0.25, 1.0, 1.0]
    pred = maps(2.0, 5.0).requires_grad_()
    gt = maps(1.0, 0.0)  # the second pixel is invalid
    value = loss(pred, gt, gt[:, 0] > 0)
    value.backward()
    one_pixel = (0.125 + 1 - LN2 / LN3) * 2.6
    assert value.item() == pytest.approx(one_pixel, rel=1e-6)
    assert pred.grad[0, 0, 0, 1] == 0 and torch.isfinite(pred.grad).all()
    empty = loss(pred, gt, torch.zeros(1, 1, 2, dtype=torch.bool))
    assert empty.item() == 0 and empty.requires_grad


# ---------------------------------------------------------------- L_JG
def ramp(slope=1.0, size=5):
    x = torch.arange(float(size)) * slope
    return x.view(1, 1, 1, size).expand(1, 1, size, size).contiguous()


def test_sobel_of_a_ramp():
    grads = sobel_gradients(ramp())
    # ∇_h of f(x) = x: (1 + 2 + 1)·(f(x+1) − f(x−1)) = 8; ∇_v = 0
    assert torch.all(grads[:, 0] == 8) and torch.all(grads[:, 1] == 0)
    assert grads.shape == (1, 2, 3, 3)


def test_joint_gradient_against_ground_truth_by_hand():
    loss = MODELS.build(dict(type='JointGradientLoss'))
    valid = torch.ones(1, 5, 5, dtype=torch.bool)
    assert loss(ramp(), torch.full((1, 1, 5, 5), 3.0), valid).item() == 8  # |8 − 0| + |0 − 0|
    assert loss(ramp(), ramp(0.5), valid).item() == 4
    valid[0, 0, 0] = False  # a hole: the windows containing it are left out
    gt = ramp(0.5)
    gt[0, 0, 0, 0] = 0.0
    assert loss(ramp(), gt, valid).item() == 4


def test_joint_gradient_gradient_is_the_signed_sobel_kernel():
    pred = torch.zeros(1, 1, 3, 3, requires_grad=True)
    loss = MODELS.build(dict(type='JointGradientLoss'))
    loss(pred, ramp(size=3) + 1, torch.ones(1, 3, 3, dtype=torch.bool)).backward()
    # ∇_h p − ∇_h g = −8 < 0: ∂/∂p = −K_h; the ∇_v term sits at its kink (|0|' = 0)
    expected = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    assert torch.equal(pred.grad[0, 0], expected)


def seg_logits(labels):
    """One-hot-ish logits whose argmax is ``labels`` (H×W ints)."""
    return torch.nn.functional.one_hot(labels, 3).permute(2, 0, 1)[None].float() * 5


def test_joint_gradient_semantic_term_label_reading():
    labels = torch.tensor([[0, 0, 0, 1, 1, 1]] * 4)  # a vertical boundary between columns 2 | 3
    loss = MODELS.build(dict(type='JointGradientLoss', gt_weight=0.0))
    pred = torch.full((1, 1, 4, 6), 2.0, requires_grad=True)
    value = loss(pred, torch.ones(1, 1, 4, 6), seg=seg_logits(labels))
    # windows centred on columns 1..4: ∇_h s = 0, 4, 4, 0 (a unit step seen by (1, 2, 1));
    # ∇_v s = 0
    assert value.item() == pytest.approx((0 + 4 + 4 + 0) / 4)
    logits = seg_logits(labels).requires_grad_()
    loss(pred, torch.ones(1, 1, 4, 6), seg=logits).backward()
    assert logits.grad is None and pred.grad.abs().sum() > 0  # s carries no gradient
    soft = MODELS.build(dict(type='JointGradientLoss', gt_weight=0.0, semantic_map='soft_label'))
    soft(pred, torch.ones(1, 1, 4, 6), seg=logits).backward()
    assert logits.grad.abs().sum() > 0


def test_joint_gradient_sums_both_terms_and_skips_samples_without_depth():
    labels = torch.tensor([[0, 0, 0, 1, 1, 1]] * 4)
    loss = MODELS.build(dict(type='JointGradientLoss'))
    gt = torch.ones(2, 1, 4, 6)
    gt[1] = 0  # sample 1 has no depth ground truth
    logits = seg_logits(labels).expand(2, -1, -1, -1)
    value = loss(torch.zeros(2, 1, 4, 6), gt, gt[:, 0] > 0, seg=logits)
    assert value.item() == pytest.approx(0 + 2.0)  # L_g(d, d_gt) = 0, L_g(d, s) = 2 (sample 0)
    with pytest.raises(ValueError, match='semantic_map'):
        MODELS.build(dict(type='JointGradientLoss', semantic_map='probabilities'))


# ---------------------------------------------------------------- L_semF's α
def test_alpha_from_class_frequencies():
    freq = [0.5, 0.25, 0.125, 0.125, 0.0]
    median = alpha_from_frequencies(freq)  # median of occurring classes = 0.1875
    assert median.tolist() == pytest.approx([0.375, 0.75, 1.5, 1.5, 0.0])
    inverse = alpha_from_frequencies(freq, 'inverse')  # 1/f = 2, 4, 8, 8 (mean 5.5)
    assert inverse.tolist() == pytest.approx([2 / 5.5, 4 / 5.5, 8 / 5.5, 8 / 5.5, 0.0])
    with pytest.raises(ValueError, match='non-negative'):
        alpha_from_frequencies([-1.0, 2.0])


def test_focal_loss_with_class_frequencies_by_hand():
    loss = MODELS.build(dict(type='FocalLoss', alpha=0.25, gamma=2.0,
                             class_frequencies=[3.0, 1.0]))  # median 2 -> w = 2/3, 2
    logits = torch.tensor([0.0, math.log(3)]).view(1, 2, 1, 1).expand(1, 2, 1, 2).contiguous()
    target = torch.tensor([[[1, 255]]])  # p_1 = 3/4; the second pixel is ignored
    expected = 0.25 * 2 * (1 - 0.75) ** 2 * -math.log(0.75)
    assert loss(logits, target).item() == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match='scalar'):
        MODELS.build(dict(type='FocalLoss', alpha=[0.1, 0.2], class_frequencies=[1, 1]))
