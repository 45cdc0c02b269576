"""Cross-stitch units (Misra et al., CVPR 2016, Eq. 1) and their learning-rate multiplier."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn

from mtl.models.interactions.cross_stitch import CrossStitchUnit


def constant(value, channels=2):
    return torch.full((1, channels, 2, 2), float(value))


def test_initial_alpha_is_a_convex_combination():
    unit = CrossStitchUnit(['a', 'b', 'c'], channels=dict(a=4, b=4, c=4), per_channel=True)
    assert unit.alpha.shape == (3, 3, 4)
    # 0.9 on the diagonal, the cross weight 0.1 split equally over the 2 other tasks
    assert torch.allclose(unit.alpha[..., 0], torch.tensor(
        [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]]))
    assert torch.equal(unit.alpha[..., 0], unit.alpha[..., 3])
    scalar = CrossStitchUnit(['a', 'b'], channels=dict(a=4, b=4), per_channel=False)
    assert scalar.alpha.shape == (2, 2, 1)
    assert scalar.lr_mult == 100.0


def test_two_tasks_by_hand():
    unit = CrossStitchUnit(['a', 'b'], channels=dict(a=2, b=2), per_channel=False)
    out = unit({'a': constant(1), 'b': constant(2)})
    # a: 0.9 · 1 + 0.1 · 2 = 1.1; b: 0.1 · 1 + 0.9 · 2 = 1.9
    assert torch.allclose(out['a'], constant(1.1)) and torch.allclose(out['b'], constant(1.9))


def test_three_tasks_by_hand():
    unit = CrossStitchUnit(['a', 'b', 'c'], channels=dict(a=2, b=2, c=2), per_channel=False)
    out = unit({'a': constant(1), 'b': constant(2), 'c': constant(4)})
    # a: 0.9 + 0.05·2 + 0.05·4 = 1.2; b: 0.05 + 1.8 + 0.2 = 2.05; c: 0.05 + 0.1 + 3.6 = 3.75
    assert torch.allclose(out['a'], constant(1.2))
    assert torch.allclose(out['b'], constant(2.05))
    assert torch.allclose(out['c'], constant(3.75))


def test_per_channel_alpha_mixes_each_channel_separately():
    unit = CrossStitchUnit(['a', 'b'], channels=dict(a=2, b=2), per_channel=True)
    with torch.no_grad():
        unit.alpha.copy_(torch.tensor([[[1.0, 0.5], [0.0, 0.5]],
                                       [[2.0, 0.0], [3.0, 1.0]]]))  # (i, j, channel)
    x_a = torch.tensor([1.0, 10.0]).view(1, 2, 1, 1)
    x_b = torch.tensor([100.0, 1000.0]).view(1, 2, 1, 1)
    out = unit({'a': x_a, 'b': x_b})
    # a: channel 0: 1·1 + 0·100 = 1; channel 1: 0.5·10 + 0.5·1000 = 505
    # b: channel 0: 2·1 + 3·100 = 302; channel 1: 0·10 + 1·1000 = 1000
    assert out['a'].flatten().tolist() == [1.0, 505.0]
    assert out['b'].flatten().tolist() == [302.0, 1000.0]
    (out['a'].sum() + 2 * out['b'].sum()).backward()
    # ∂/∂α_ijc = (weight of output i) · x_j[c]
    assert unit.alpha.grad.tolist() == [[[1.0, 10.0], [100.0, 1000.0]],
                                        [[2.0, 20.0], [200.0, 2000.0]]]


def test_bad_configurations():
    with pytest.raises(ValueError, match='equal channels'):
        CrossStitchUnit(['a', 'b'], channels=dict(a=4, b=8))
    with pytest.raises(ValueError, match='at least two tasks'):
        CrossStitchUnit(['a'], channels=dict(a=4))


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)
        self.interactions = nn.ModuleDict(dict(
            cs1=CrossStitchUnit(['a', 'b'], channels=dict(a=2, b=2)),
            cs2=CrossStitchUnit(['a', 'b'], channels=dict(a=2, b=2), lr_mult=10.0)))


def test_lr_mult_is_picked_up_by_the_optimizer_constructor():
    model = Tiny()
    cfg = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9),
               constructor='MTLOptimWrapperConstructor')
    with DefaultScope.overwrite_default_scope('mtl'):
        wrapper = build_optim_wrapper(model, cfg)
    lrs = {id(p): g['lr'] for g in wrapper.optimizer.param_groups for p in g['params']}
    assert lrs[id(model.interactions.cs1.alpha)] == pytest.approx(0.01 * 100)
    assert lrs[id(model.interactions.cs2.alpha)] == pytest.approx(0.01 * 10)
    assert lrs[id(model.conv.weight)] == pytest.approx(0.01)
    assert len(lrs) == len(list(model.parameters()))


def test_custom_keys_in_the_config_win_over_lr_mult():
    model = Tiny()
    cfg = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01),
               constructor='MTLOptimWrapperConstructor',
               paramwise_cfg=dict(custom_keys={'interactions.cs1.': dict(lr_mult=3.0)}))
    with DefaultScope.overwrite_default_scope('mtl'):
        wrapper = build_optim_wrapper(model, cfg)
    lrs = {id(p): g['lr'] for g in wrapper.optimizer.param_groups for p in g['params']}
    assert lrs[id(model.interactions.cs1.alpha)] == pytest.approx(0.03)
    assert lrs[id(model.interactions.cs2.alpha)] == pytest.approx(0.1)
