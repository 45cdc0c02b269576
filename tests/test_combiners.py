"""Loss combiners: fixed weights and homoscedastic-uncertainty weighting."""
import math

import pytest
import torch

from mtl.models.combiners.fixed import FixedWeighting
from mtl.models.combiners.uncertainty import UncertaintyWeighting

NAMES = ['depth.berhu', 'seg.ce', 'normals.cos']


def losses():
    return {'depth.berhu': torch.tensor(2.0), 'seg.ce': torch.tensor(3.0), 'normals.cos': torch.tensor(0.5)}


def test_fixed_weighting_uses_given_weights_and_the_default():
    combiner = FixedWeighting(NAMES, weights={'seg.ce': 0.5}, default=2.0)
    weighted, logs = combiner(losses())
    assert {k: v.item() for k, v in weighted.items()} == {
        'depth.berhu': 4.0, 'seg.ce': 1.5, 'normals.cos': 1.0}
    assert logs == {}
    assert FixedWeighting(NAMES).weights == {n: 1.0 for n in NAMES}


def test_fixed_weighting_rejects_unknown_loss_names():
    with pytest.raises(KeyError, match=r"do not exist: \['seg.focal'\]"):
        FixedWeighting(NAMES, weights={'seg.focal': 1.0})


def kendall(s=0.5, **kwargs):
    combiner = UncertaintyWeighting(
        ['depth.berhu', 'seg.ce'], loss_types={'depth.berhu': 'regression', 'seg.ce': 'classification'},
        **kwargs)
    with torch.no_grad():
        for p in combiner.params.values():
            p.fill_(s)
    return combiner


def test_kendall_weighting_at_nonzero_s():
    combiner = kendall(s=0.5)
    weighted, logs = combiner({'depth.berhu': torch.tensor(2.0), 'seg.ce': torch.tensor(3.0)})
    # regression: 0.5 · e^−0.5 · 2 + 0.5 · 0.5; classification: e^−0.5 · 3 + 0.5 · 0.5
    e = math.exp(-0.5)
    assert weighted['depth.berhu'].item() == pytest.approx(0.5 * e * 2 + 0.25)
    assert weighted['seg.ce'].item() == pytest.approx(e * 3 + 0.25)
    assert logs['weight.depth.berhu'].item() == pytest.approx(0.5 * e)
    assert logs['weight.seg.ce'].item() == pytest.approx(e)
    assert not logs['weight.seg.ce'].requires_grad


def test_kendall_gradient_with_respect_to_s():
    combiner = kendall(s=0.5)
    weighted, _ = combiner({'depth.berhu': torch.tensor(2.0), 'seg.ce': torch.tensor(3.0)})
    sum(weighted.values()).backward()
    e = math.exp(-0.5)
    # d/ds (0.5 e^−s L + 0.5 s) = −0.5 e^−s L + 0.5;  d/ds (e^−s L + 0.5 s) = −e^−s L + 0.5
    assert combiner.params['depth__berhu'].grad.item() == pytest.approx(-0.5 * e * 2 + 0.5)
    assert combiner.params['seg__ce'].grad.item() == pytest.approx(-e * 3 + 0.5)


def test_kendall_starts_at_weight_one_and_config_task_types_override():
    combiner = UncertaintyWeighting(['seg.ce'], loss_types={'seg.ce': 'classification'},
                                    task_types={'seg.ce': 'regression'})
    weighted, logs = combiner({'seg.ce': torch.tensor(3.0)})
    # s = 0: regression weight 0.5 · e^0 = 0.5, regulariser 0
    assert weighted['seg.ce'].item() == pytest.approx(1.5)
    assert logs['weight.seg.ce'].item() == pytest.approx(0.5)


def test_liebel_variant():
    combiner = UncertaintyWeighting(['depth.berhu'], variant='liebel', init=2.0)
    weighted, logs = combiner({'depth.berhu': torch.tensor(4.0)})
    # 0.5 / c² · L + ln(1 + c²) at c = 2: 0.125 · 4 + ln 5
    assert weighted['depth.berhu'].item() == pytest.approx(0.5 + math.log(5))
    assert logs['weight.depth.berhu'].item() == pytest.approx(0.125)
    weighted['depth.berhu'].backward()
    # d/dc = −L / c³ + 2c / (1 + c²) = −0.5 + 0.8
    assert combiner.params['depth__berhu'].grad.item() == pytest.approx(0.3)
    default = UncertaintyWeighting(['depth.berhu'], variant='liebel')
    assert default({'depth.berhu': torch.tensor(1.0)})[1]['weight.depth.berhu'].item() == 0.5


def test_learned_subset_leaves_other_losses_unweighted():
    combiner = UncertaintyWeighting(NAMES, learned=['seg.ce'], init=1.0)
    assert list(combiner.params) == ['seg__ce']
    weighted, logs = combiner(losses())
    assert weighted['depth.berhu'].item() == 2.0 and weighted['normals.cos'].item() == 0.5
    assert weighted['seg.ce'].item() == pytest.approx(0.5 * math.exp(-1) * 3 + 0.5)
    assert list(logs) == ['weight.seg.ce']


def test_uncertainty_weighting_configuration_errors():
    with pytest.raises(KeyError, match=r"do not exist: \['seg.focal'\]"):
        UncertaintyWeighting(NAMES, learned=['seg.focal'])
    with pytest.raises(KeyError, match=r"do not exist: \['edges.bce'\]"):
        UncertaintyWeighting(NAMES, task_types={'edges.bce': 'classification'})
    with pytest.raises(ValueError, match='task types must be one of'):
        UncertaintyWeighting(NAMES, task_types={'seg.ce': 'ordinal'})
    with pytest.raises(ValueError, match='variant must be one of'):
        UncertaintyWeighting(NAMES, variant='squared')


def test_liebel_refuses_a_zero_initial_c():
    with pytest.raises(ValueError, match='must not be 0'):
        UncertaintyWeighting(['depth.berhu'], variant='liebel', init=0.0)
