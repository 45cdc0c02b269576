"""CI-Net's consistency (Eq. 7), pair (Eq. 9) and depth-normal (Eq. 10) losses against
values worked out by hand."""
import math

import pytest
import torch

from mtl.registry import MODELS


def build(type_, **kwargs):
    return MODELS.build(dict(type=type_, **kwargs))


# ---------------------------------------------------------------- Eq. 7
def two_pixels(d_values, s_values):
    """Feature maps of one row of two pixels, one value per channel."""
    return (torch.tensor(d_values, dtype=torch.float).T.reshape(1, -1, 1, 2),
            torch.tensor(s_values, dtype=torch.float).T.reshape(1, -1, 1, 2))


def test_consistency_on_two_pixels_by_hand():
    f_d, f_s = two_pixels([[0.0], [2.0]], [[1.0], [1.0]])
    different = torch.tensor([[[0, 1]]])
    # D_d = exp(−½·(0 − 2)²/σ²) = exp(−2) with σ = 1; D_s = exp(0) = 1; one pair, ψ = 1
    expected = 1 - math.exp(-2.0)
    loss = build('ConsistencyLoss')
    assert loss(None, different, f_d=f_d, f_s=f_s).item() == pytest.approx(expected, rel=1e-6)
    assert build('ConsistencyLoss', reduction='sum')(None, different, f_d=f_d, f_s=f_s).item() == \
        pytest.approx(2 * expected, rel=1e-6)  # compared from both pixels
    same = torch.tensor([[[1, 1]]])
    assert loss(None, same, f_d=f_d, f_s=f_s).item() == 0  # ψ = 0
    assert loss(None, torch.tensor([[[0, 255]]]), f_d=f_d, f_s=f_s).item() == 0


def test_consistency_sigma_is_per_map_and_per_channel():
    # two channels: ‖f − f(l)‖² = 4 + 0 = 4, σ² = C·s² = 2·s², s_d = 2 → D_d = exp(−4/16)
    f_d, f_s = two_pixels([[0.0, 1.0], [2.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]])
    loss = build('ConsistencyLoss')
    with torch.no_grad():
        loss.log_sigma[0] = math.log(2.0)
    value = loss(None, torch.tensor([[[0, 1]]]), f_d=f_d, f_s=f_s)
    assert value.item() == pytest.approx(1 - math.exp(-0.25), rel=1e-6)
    value.backward()
    assert loss.log_sigma.grad[0] != 0  # σ is learned
    estimated = build('ConsistencyLoss', sigma='estimated')
    # s² = mean squared neighbour distance per channel = 2: D_d = exp(−½·2/2)
    assert estimated(None, torch.tensor([[[0, 1]]]), f_d=f_d, f_s=f_s).item() == \
        pytest.approx(1 - math.exp(-0.5), rel=1e-6)


def test_consistency_makes_eight_comparisons_per_pixel():
    # 5×5 map, labels all different: offsets ±1, ±2 along x and y
    labels = torch.arange(25).view(1, 5, 5)
    f_d, f_s = torch.randn(1, 3, 5, 5), torch.randn(1, 3, 5, 5)
    loss = build('ConsistencyLoss', reduction='sum')
    total = loss(None, labels, f_d=f_d, f_s=f_s)
    by_hand = 0.0
    for y in range(5):
        for x in range(5):
            for dy, dx in ((0, 1), (0, -1), (0, 2), (0, -2), (1, 0), (-1, 0), (2, 0), (-2, 0)):
                if 0 <= y + dy < 5 and 0 <= x + dx < 5:
                    sim = [torch.exp(-0.5 * (f[0, :, y, x] - f[0, :, y + dy, x + dx])
                                     .square().mean()) for f in (f_d, f_s)]
                    by_hand += float((sim[0] - sim[1]).abs())
    assert total.item() == pytest.approx(by_hand, rel=1e-5)


def test_consistency_downsamples_labels_and_needs_two_features():
    loss = build('ConsistencyLoss')
    f = torch.randn(2, 4, 3, 4, requires_grad=True)
    value = loss(None, torch.randint(0, 3, (2, 12, 16)), f_d=f, f_s=f.flip(-1))
    value.backward()
    assert f.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="f_d='feature"):
        loss(None, torch.zeros(1, 2, 2), f_d=f)


# ---------------------------------------------------------------- Eq. 9
def test_pair_differences_on_fixed_pairs_by_hand():
    from mtl.models.losses.pair import pair_differences
    pred = torch.tensor([1.0, 2.0, 4.0, 9.0])
    target = torch.tensor([1.0, 3.0, 3.0, 0.0])
    # Λ = {0, 1, 2}: errors e = d̃ − d = (0, −1, 1); |e_p − e_q| for p ≠ q: 1, 1, 2 (twice each)
    terms = pair_differences(pred, target, torch.tensor([0, 1, 2]))
    assert sorted(terms.tolist()) == [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]


def test_pair_loss_draws_valid_pixels_reproducibly():
    pred, target = torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8) + 1
    valid = target[:, 0] > 1.5
    first, second = build('PairLoss', num_points=5), build('PairLoss', num_points=5)
    assert torch.equal(first(pred, target, valid), second(pred, target, valid))  # same seed
    assert int(first.calls) == 2  # one draw per image
    mask = valid[0].flatten()
    index = first.draw(mask)
    assert len(index) == 5 and bool(mask[index].all())
    first.calls += 1
    assert not torch.equal(first.draw(mask), index)  # each call draws anew
    other_seed = build('PairLoss', num_points=5, seed=1)
    other_seed.calls += 2
    assert not torch.equal(other_seed.draw(mask), index)
    resumed = build('PairLoss', num_points=5)
    resumed.load_state_dict(first.state_dict())  # the call counter is checkpointed
    assert torch.equal(resumed(pred, target, valid), first(pred, target, valid))


def test_pair_loss_uses_all_pairs_of_the_drawn_pixels():
    pred, target = torch.tensor([[[[1.0, 2.0, 4.0]]]]), torch.tensor([[[[1.0, 3.0, 3.0]]]])
    loss = build('PairLoss', num_points=500)  # more than the 3 pixels: all are used
    assert loss(pred, target).item() == pytest.approx(8 / 6)
    assert build('PairLoss', reduction='sum')(pred, target).item() == pytest.approx(8.0)
    empty = loss(pred.requires_grad_(), target, torch.zeros(1, 1, 3, dtype=torch.bool))
    assert empty.item() == 0 and empty.requires_grad


# ---------------------------------------------------------------- Eq. 10
def plane(a, b, c, size=(4, 5)):
    y, x = torch.meshgrid(torch.arange(size[0], dtype=torch.float),
                          torch.arange(size[1], dtype=torch.float), indexing='ij')
    return (a * x + b * y + c).view(1, 1, *size)


def test_depth_normal_is_zero_on_a_plane():
    loss = build('DepthNormalLoss')
    target = plane(0.1, 0.2, 1.0)
    assert loss(target.clone(), target).item() == pytest.approx(0, abs=1e-6)
    assert loss(target + 0.5, target).item() == pytest.approx(0, abs=1e-6)  # same normals


def test_depth_normal_by_hand_between_two_planes():
    loss = build('DepthNormalLoss')
    # n = (−0.1, −0.2, 1), ñ = (0, 0, 1): 1 − 1/√1.05 at every one of the 3×4 pixels
    expected = 1 - 1 / math.sqrt(1.05)
    assert loss(plane(0, 0, 2.0), plane(0.1, 0.2, 1.0)).item() == pytest.approx(expected, rel=1e-5)
    summed = build('DepthNormalLoss', reduction='sum')(plane(0, 0, 2.0), plane(0.1, 0.2, 1.0))
    assert summed.item() == pytest.approx(12 * expected, rel=1e-5)
    valid = torch.ones(1, 4, 5, dtype=torch.bool)
    valid[0, 0, 0] = False  # drops the normal at (0, 0) only
    target = plane(0.1, 0.2, 1.0)
    target[0, 0, 0, 0] = 0
    assert loss(plane(0, 0, 2.0), target, valid).item() == pytest.approx(expected, rel=1e-5)
