"""Loss-balancing combiners: each against its paper's defining property on hand-made
gradients or losses, the gradient contract under a gradient scaler, per-stage weights
declined, and a few training iterations (plus resume) through mmengine's runner."""
import math

import pytest
import torch
from mmengine.runner import Runner

import balancing_fixtures as bf
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.models.base import ContractError, GradientCombiner
from mtl.models.builder import ConfigError
from mtl.models.combiners.aligned_mtl import AlignedMTL
from mtl.models.combiners.cagrad import CAGrad
from mtl.models.combiners.dwa import DynamicWeightAverage
from mtl.models.combiners.famo import FAMO
from mtl.models.combiners.gradnorm import GradNorm
from mtl.models.combiners.imtl import IMTL
from mtl.models.combiners.mgda import MGDA
from mtl.models.combiners.nash_mtl import NashMTL
from mtl.models.combiners.pcgrad import PCGrad
from mtl.models.combiners.rlw import RandomLossWeighting
from mtl.models.gradients import loss_gradients
from mtl.registry import MODELS

NAMES = ['a', 'b']
CONFLICTING = torch.tensor([[1.0, 0.0], [-1.0, 1.0]])   # g_a · g_b = -1


def test_pcgrad_projects_each_conflicting_gradient_onto_the_others_normal_plane():
    combined, _ = PCGrad(NAMES).combine_gradients(CONFLICTING, NAMES)
    # g_a - (g_a·g_b)/|g_b|² g_b = (0.5, 0.5);  g_b - (g_b·g_a)/|g_a|² g_a = (0, 1)
    assert torch.allclose(combined, torch.tensor([0.5, 1.5]))
    agreeing = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    assert torch.allclose(PCGrad(NAMES).combine_gradients(agreeing, NAMES)[0], agreeing.sum(0))


def test_mgda_gives_the_min_norm_point_of_two_vectors_in_closed_form():
    g1, g2 = torch.tensor([1.0, 0.0, 2.0]), torch.tensor([-1.0, 3.0, 0.5])
    alpha = float(((g2 - g1) @ g2) / (g1 - g2).pow(2).sum())
    combined, logs = MGDA(NAMES).combine_gradients(torch.stack([g1, g2]), NAMES)
    assert torch.allclose(combined, alpha * g1 + (1 - alpha) * g2, atol=1e-6)
    assert logs['weight.a'].item() == pytest.approx(alpha, abs=1e-6)
    # three vectors around the origin: the origin is in their hull, the min-norm point is 0
    star = torch.tensor([[1.0, 0.0], [-0.5, 0.8], [-0.5, -0.8]])
    assert MGDA(['a', 'b', 'c']).combine_gradients(star, ['a', 'b', 'c'])[0].norm() < 1e-3
    with pytest.raises(ValueError, match='normalization'):
        MGDA(NAMES, normalization='loss')


def test_cagrad_with_c_zero_is_the_mean_gradient_and_otherwise_raises_the_worst_loss():
    grads = torch.tensor([[1.0, 0.2, 0.0], [-0.8, 1.0, 0.3], [0.1, -0.5, 1.0]])
    names = ['a', 'b', 'c']
    assert torch.allclose(CAGrad(names, c=0).combine_gradients(grads, names)[0], grads.mean(0))
    d, _ = CAGrad(names, c=0.5, rescale=False, iterations=200).combine_gradients(grads, names)
    mean = grads.mean(0)
    # Eq. 3: the worst local improvement min_i g_i·d beats the mean gradient's, within the ball
    assert (grads @ d).min() > (grads @ mean).min()
    assert (d - mean).norm() <= 0.5 * mean.norm() * (1 + 1e-4)


def test_imtl_gives_equal_projections_onto_every_unit_gradient():
    grads = torch.tensor([[3.0, 0.0, 1.0], [-1.0, 2.0, 0.0], [0.5, 0.5, 4.0]])
    names = ['a', 'b', 'c']
    d, logs = IMTL(names).combine_gradients(grads, names)
    projections = (grads / grads.norm(dim=1, keepdim=True)) @ d
    assert torch.allclose(projections, projections[0].expand(3), atol=1e-5)
    assert sum(v.item() for v in logs.values()) == pytest.approx(1.0)


def test_nash_mtl_on_orthogonal_gradients_weighs_each_by_its_inverse_norm():
    grads = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.5]])
    d, logs = NashMTL(NAMES).combine_gradients(grads, NAMES)
    assert logs['weight.a'].item() == pytest.approx(0.5, rel=1e-6)
    assert logs['weight.b'].item() == pytest.approx(2.0, rel=1e-6)
    assert torch.allclose(d, torch.tensor([1.0, 0.0, 1.0]))
    # non-orthogonal: the bargaining equation (G Gᵀ α)_i = 1 / α_i holds
    combiner = NashMTL(NAMES)
    combiner.combine_gradients(CONFLICTING, NAMES)
    alpha = combiner.alpha
    gram = (CONFLICTING @ CONFLICTING.T).double()
    assert torch.allclose(alpha * (gram @ alpha), torch.ones(2, dtype=torch.float64), atol=1e-8)


def test_aligned_mtl_makes_the_aligned_gradients_orthonormal_up_to_the_smallest_singular_value():
    from mtl.models.combiners.aligned_mtl import alignment_matrix
    grads = torch.tensor([[3.0, 0.0, 1.0], [-1.0, 2.0, 0.0], [0.5, 0.5, 4.0]], dtype=torch.float64)
    b = alignment_matrix(grads @ grads.T)
    aligned = b @ grads
    sigma_min = torch.linalg.svdvals(grads).min()
    assert torch.allclose(aligned @ aligned.T, sigma_min ** 2 * torch.eye(3, dtype=torch.float64))
    d, _ = AlignedMTL(['a', 'b', 'c']).combine_gradients(grads.float(), ['a', 'b', 'c'])
    assert torch.allclose(d, aligned.sum(0).float(), atol=1e-5)


def test_dwa_weights_after_two_known_periods():
    dwa = DynamicWeightAverage(NAMES, period=2, temperature=2.0).train()
    epochs = [(1.0, 2.0, 3.0, 2.0), (0.5, 2.0, 1.5, 2.0)]    # a, b in each of two steps
    for a1, b1, a2, b2 in epochs:
        weights = dwa({'a': torch.tensor(a1), 'b': torch.tensor(b1)})[1]
        assert weights['weight.a'].item() == 1.0 == weights['weight.b'].item()
        dwa({'a': torch.tensor(a2), 'b': torch.tensor(b2)})
    # period means: a 2.0 then 1.0, b 2.0 then 2.0 -> r = (0.5, 1.0)
    expected = 2 * torch.softmax(torch.tensor([0.5, 1.0]) / 2, 0)
    logs = dwa.eval()({'a': torch.tensor(1.0), 'b': torch.tensor(1.0)})[1]
    assert logs['weight.a'].item() == pytest.approx(expected[0].item())
    assert logs['weight.b'].item() == pytest.approx(expected[1].item())


def test_rlw_weights_are_a_softmax_of_seeded_normal_draws():
    rlw = RandomLossWeighting(NAMES, seed=7).train()
    for step in range(2):
        weighted, logs = rlw({'a': torch.tensor(2.0), 'b': torch.tensor(3.0)})
        expected = torch.softmax(torch.randn(2, generator=torch.Generator().manual_seed(7 + step)), 0)
        assert logs['weight.a'].item() == pytest.approx(expected[0].item())
        assert weighted['b'].item() == pytest.approx(3.0 * expected[1].item())


def test_famo_weights_after_two_known_steps():
    famo = FAMO(NAMES, lr=0.5, weight_decay=0.1).train()
    first = {'a': torch.tensor(2.0, requires_grad=True), 'b': torch.tensor(1.0, requires_grad=True)}
    weighted, logs = famo(first)
    assert logs['weight.a'].item() == pytest.approx(0.5 / 2.0 / 0.75)
    # descent direction Σ c⁻¹ z_i / L_i ∇L_i with c = Σ z_i / L_i = 0.75
    sum(weighted.values()).backward()
    assert first['a'].grad.item() == pytest.approx(0.5 / 2.0 / 0.75)
    assert first['b'].grad.item() == pytest.approx(0.5 / 1.0 / 0.75)
    famo({'a': torch.tensor(1.0), 'b': torch.tensor(0.5)})
    # log-loss decrease (log 2, log 2), z = (½, ½): δ = (diag z − z zᵀ)(log 2, log 2) = 0
    assert torch.allclose(famo.logits, torch.zeros(2, dtype=torch.float64))
    famo({'a': torch.tensor(0.25), 'b': torch.tensor(0.5)})
    # decrease (log 4, 0): δ = (¼ log 4, −¼ log 4); ξ ← ξ − 0.5 (δ + 0.1 ξ), ξ was 0
    xi = -0.5 * torch.tensor([0.25 * math.log(4), -0.25 * math.log(4)], dtype=torch.float64)
    assert torch.allclose(famo.logits, xi)
    z = torch.softmax(xi, 0)
    assert torch.softmax(famo.logits, 0)[0].item() == pytest.approx(z[0].item())


def test_gradnorm_moves_the_weights_towards_equal_gradient_norms_scaled_by_training_rates():
    gradnorm = GradNorm(NAMES, alpha=1.0, lr=0.1).train()
    gradnorm({'a': torch.tensor(2.0), 'b': torch.tensor(1.0)})      # L(0)
    gradnorm({'a': torch.tensor(1.0), 'b': torch.tensor(1.0)})      # a trained faster: r = (2/3, 4/3)
    grads = torch.tensor([[3.0, 0.0], [0.0, 1.0]])                  # G = (3, 1), Ḡ = 2
    combined, _ = gradnorm.combine_gradients(grads, NAMES)
    assert torch.allclose(combined, grads.sum(0))
    # targets 2·(2/3, 4/3) = (4/3, 8/3): w_a ← 1 − 0.1·3 = 0.7, w_b ← 1 + 0.1·1 = 1.1, sum → 2
    expected = torch.tensor([0.7, 1.1], dtype=torch.float64) * 2 / 1.8
    assert torch.allclose(gradnorm.weights, expected)


COMBINERS = [dict(type='DynamicWeightAverage', period=1), dict(type='RandomLossWeighting'),
             dict(type='FAMO'), dict(type='PCGrad'), dict(type='CAGrad'), dict(type='MGDA'),
             dict(type='IMTL'), dict(type='NashMTL'), dict(type='AlignedMTL'), dict(type='GradNorm')]


@pytest.mark.parametrize('cfg', COMBINERS, ids=lambda c: c['type'])
def test_combiners_decline_per_stage_weights_with_a_contract_error(cfg):
    combiner = MODELS.build(dict(cfg, loss_names=NAMES))
    with pytest.raises(ContractError, match='loss_weights'):
        combiner.set_stage_weights({'a': 0.0})


def test_the_shared_gradient_is_the_combination_and_the_rest_the_sum():
    model = bf.build_model(dict(type='PCGrad'))
    inputs, targets = bf.batch([0, 1])
    raw = model(inputs, targets, mode='loss')
    shared = [p for p in model.shared_parameters()]
    grads = loss_gradients([raw[f'loss_{n}'] for n in bf.LOSSES], shared)
    expected, _ = model.combiner.combine_gradients(grads, list(bf.LOSSES))
    head = model.heads['depth'].last_conv.weight
    head_expected = torch.autograd.grad(raw['loss_depth.l1'], head, retain_graph=True)[0]
    assert raw['loss_gradient_combination'].item() == 0.0
    sum(v for k, v in raw.items() if k.startswith('loss_')).backward()
    assert torch.allclose(bf.shared_gradient(model), expected, atol=1e-6)
    assert torch.allclose(head.grad, head_expected, atol=1e-7)


def test_frozen_shared_parameters_are_left_out():
    model = bf.build_model(dict(type='IMTL'))
    model.backbone.requires_grad_(False)
    loss = bf.total_loss(model, [0, 1])
    loss.backward()
    assert all(p.grad is None for p in model.shared_parameters())
    assert model.heads['seg'].last_conv.weight.grad.abs().sum() > 0


def test_with_a_gradient_scaler_the_combination_sees_unscaled_gradients():
    """Nash-MTL's d does not scale with the gradients (α ∝ 1/scale): combining scaled
    gradients and unscaling afterwards would give d / scale."""
    plain = bf.build_model(dict(type='NashMTL'))
    bf.total_loss(plain, [0, 1]).backward()
    scaled = bf.build_model(dict(type='NashMTL'))
    optimizer = torch.optim.SGD(scaled.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler('cpu', init_scale=2.0 ** 12)
    scaler.scale(bf.total_loss(scaled, [0, 1])).backward()
    assert bf.shared_gradient(scaled).abs().max() > 100 * bf.shared_gradient(plain).abs().max()
    scaler.unscale_(optimizer)
    assert torch.allclose(bf.shared_gradient(scaled), bf.shared_gradient(plain), rtol=1e-4, atol=1e-7)


def test_a_gradient_combiner_needs_shared_parameters_and_every_loss():
    cfg = bf.model_cfg(dict(type='MGDA'))
    cfg.pop('backbone')
    with pytest.raises(ConfigError, match='shares none'):
        MODELS.build(cfg)
    model = bf.build_model(dict(type='MGDA'))
    inputs, targets = bf.batch([0, 1])
    with pytest.raises(ValueError, match=r"no \['seg.ce'\]"):
        model(inputs, {'depth': targets['depth']}, mode='loss')
    assert isinstance(model.combiner, GradientCombiner)


@pytest.mark.parametrize('cfg', COMBINERS, ids=lambda c: c['type'])
def test_each_combiner_trains_through_the_runner(cfg, tmp_path):
    runner = Runner(**bf.runner_cfg(str(tmp_path), cfg))
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()}
    runner.train()
    after = dict(runner.model.named_parameters())
    for prefix in ('backbone.', 'heads.depth.', 'heads.seg.'):
        assert any(not torch.equal(before[n], after[n]) for n in before if n.startswith(prefix)), prefix
    assert all(torch.isfinite(p).all() for p in after.values())


@pytest.mark.parametrize('cfg', [dict(type='DynamicWeightAverage', period=1), dict(type='FAMO'),
                                 dict(type='NashMTL')], ids=lambda c: c['type'])
def test_resume_restores_the_method_state(cfg, tmp_path):
    straight = Runner(**bf.runner_cfg(str(tmp_path / 'a'), cfg, max_iters=3))
    straight.train()
    resumed = Runner(**bf.runner_cfg(str(tmp_path / 'b'), cfg, max_iters=3, resume=True,
                                     load_from=str(tmp_path / 'a' / 'iter_2.pth')))
    resumed.train()
    state, again = straight.model.combiner.state_dict(), resumed.model.combiner.state_dict()
    assert state and state.keys() == again.keys()
    for key in state:
        assert torch.allclose(state[key].double(), again[key].double(), atol=1e-6), key
