"""MultiDepth's sparse losses (Sec. 3.4) and the task weightings of Table 1, against hand values."""
import math

import pytest
import torch

from mtl.models.combiners.fixed import FixedWeighting
from mtl.models.combiners.uncertainty import UncertaintyWeighting
from mtl.models.losses.cross_entropy import CrossEntropyLoss
from mtl.models.losses.masked_regression import MaskedL2Loss
from mtl.structures import valid_mask

NAMES = ['depth.mse', 'depth_cls.ce']
TYPES = {'depth.mse': 'regression', 'depth_cls.ce': 'classification'}


def test_sparse_mse_averages_over_valid_pixels_only():
    pred = torch.tensor([0.1, 0.5, 0.9]).view(1, 1, 1, 3)
    target = torch.tensor([0.2, float('nan'), 0.5]).view(1, 1, 1, 3)
    loss = MaskedL2Loss()(pred, target, valid_mask('depth_nlog', target))
    assert loss.item() == pytest.approx((0.1 ** 2 + 0.4 ** 2) / 2)


def test_sparse_cross_entropy_ignores_unlabelled_pixels():
    logits = torch.tensor([[0.0, math.log(3.0)], [5.0, -5.0]]).T.reshape(1, 2, 1, 2)
    target = torch.tensor([[[1, 255]]])
    loss = CrossEntropyLoss()(logits, target, valid_mask('depth_bins', target))
    assert loss.item() == pytest.approx(-math.log(3 / 4), rel=1e-6)


@pytest.mark.parametrize('loss, target, key', [
    (MaskedL2Loss(), torch.full((2, 1, 4, 4), float('nan')), 'depth_nlog'),
    (CrossEntropyLoss(), torch.full((2, 4, 4), 255, dtype=torch.long), 'depth_bins')])
def test_batch_without_valid_pixel_gives_zero_with_a_finite_gradient(loss, target, key):
    channels = 1 if key == 'depth_nlog' else 8
    pred = torch.randn(2, channels, 4, 4, requires_grad=True)
    value = loss(pred, target, valid_mask(key, target))
    value.backward()
    assert value.item() == 0.0
    assert pred.grad is not None and torch.isfinite(pred.grad).all()
    assert torch.count_nonzero(pred.grad) == 0


def test_kendall_regression_and_classification_terms_and_gradients():
    combiner = UncertaintyWeighting(NAMES, loss_types=TYPES, variant='kendall', init=1.0)
    terms, logs = combiner({'depth.mse': torch.tensor(0.2), 'depth_cls.ce': torch.tensor(3.0)})
    e = math.exp(-1.0)
    # regression 0.5·exp(-s)·L + 0.5·s; classification exp(-s)·L + 0.5·s, at s = 1
    assert terms['depth.mse'].item() == pytest.approx(0.5 * e * 0.2 + 0.5)
    assert terms['depth_cls.ce'].item() == pytest.approx(e * 3.0 + 0.5)
    assert logs['weight.depth.mse'].item() == pytest.approx(0.5 * e)
    assert logs['weight.depth_cls.ce'].item() == pytest.approx(e)
    sum(terms.values()).backward()
    grads = {name: combiner.params[name.replace('.', '__')].grad.item() for name in NAMES}
    assert grads['depth.mse'] == pytest.approx(-0.5 * e * 0.2 + 0.5)
    assert grads['depth_cls.ce'] == pytest.approx(-e * 3.0 + 0.5)


def test_kendall_optimum_is_at_s_equal_log_of_the_loss():
    # d/ds [0.5 e^-s L + 0.5 s] = 0 at s = ln L (regression), at s = ln 2L (classification):
    # the learned weights settle at w_reg = 0.5 / L_reg and w_cls = 0.5 / L_cls.
    for name, loss, s_star in [('depth.mse', 0.04, math.log(0.04)),
                               ('depth_cls.ce', 1.5, math.log(3.0))]:
        combiner = UncertaintyWeighting([name], loss_types=TYPES, init=s_star)
        term, _ = combiner({name: torch.tensor(loss)})
        term[name].backward()
        assert combiner.params[name.replace('.', '__')].grad.item() == pytest.approx(0, abs=1e-6)


def test_liebel_variant_terms_and_gradients():
    combiner = UncertaintyWeighting(NAMES, loss_types=TYPES, variant='liebel', init=1.0)
    with torch.no_grad():
        combiner.params['depth_cls__ce'].fill_(2.0)
    terms, logs = combiner({'depth.mse': torch.tensor(0.2), 'depth_cls.ce': torch.tensor(3.0)})
    # 0.5 / c² · L + ln(1 + c²), the same for both task types
    assert terms['depth.mse'].item() == pytest.approx(0.5 * 0.2 + math.log(2.0))
    assert terms['depth_cls.ce'].item() == pytest.approx(0.5 / 4 * 3.0 + math.log(5.0))
    assert logs['weight.depth_cls.ce'].item() == pytest.approx(0.125)
    sum(terms.values()).backward()
    # d/dc = -L / c³ + 2c / (1 + c²)
    assert combiner.params['depth__mse'].grad.item() == pytest.approx(-0.2 + 1.0)
    assert combiner.params['depth_cls__ce'].grad.item() == pytest.approx(-3.0 / 8 + 4.0 / 5)


def test_kendall_regulariser_stays_bounded_unlike_the_printed_s_squared_form():
    # MultiDepth's Eq. 3 as printed, exp(-s²)·L + 0.5·s, falls without bound as s → -∞;
    # the implemented exp(-s)·L + 0.5·s grows again (its minimum is finite).
    loss = 1.0
    printed = [math.exp(-s * s) * loss + 0.5 * s for s in (-10.0, -100.0)]
    assert printed[1] < printed[0] < -4
    combiner = UncertaintyWeighting(['depth_cls.ce'], loss_types=TYPES, init=-10.0)
    term, _ = combiner({'depth_cls.ce': torch.tensor(loss)})
    assert term['depth_cls.ce'].item() == pytest.approx(math.exp(10.0) - 5.0)


def test_equal_and_manual_fixed_weights():
    losses = {'depth.mse': torch.tensor(0.2), 'depth_cls.ce': torch.tensor(3.0)}
    equal, _ = FixedWeighting(NAMES)(losses)
    assert {k: v.item() for k, v in equal.items()} == pytest.approx(
        {'depth.mse': 0.2, 'depth_cls.ce': 3.0})
    manual, _ = FixedWeighting(NAMES, weights={'depth.mse': 50.0, 'depth_cls.ce': 0.5})(losses)
    assert {k: v.item() for k, v in manual.items()} == pytest.approx(
        {'depth.mse': 10.0, 'depth_cls.ce': 1.5})
    with pytest.raises(KeyError, match='do not exist'):
        FixedWeighting(NAMES, weights={'depth.l1': 1.0})
