"""CI-Net's feature sharing module (Eq. 5), by hand on a module whose C(·) is replaced by a
known function, and as a drop-in for the lateral sharing unit (Eq. 6)."""
import pytest
import torch
from torch import nn

from mtl.registry import MODELS

TWO = dict(tasks=('depth', 'seg'), channels={'depth': 3, 'seg': 2})


def fsm(**kwargs):
    return MODELS.build(dict(type='FeatureSharingModule', **{**TWO, **kwargs}))


def test_fsm_starts_as_identity_and_keeps_shapes():
    d, s = torch.randn(2, 3, 7, 9), torch.randn(2, 2, 7, 9)
    out = fsm()({'depth': d, 'seg': s})
    assert torch.equal(out['depth'], d) and torch.equal(out['seg'], s)
    out = fsm(zero_init=False, levels=3)({'depth': d, 'seg': s})
    assert out['depth'].shape == d.shape and out['seg'].shape == s.shape
    assert not torch.equal(out['depth'], d)


def test_fsm_equation_5_by_hand():
    module = fsm(zero_init=False, hidden_channels=1)
    module.shared = nn.Identity()  # C(·) = identity: check the concat and the allocation
    module.allocate['depth'] = nn.Conv2d(5, 3, 1, bias=False)
    module.allocate['seg'] = nn.Conv2d(5, 2, 1, bias=False)
    with torch.no_grad():
        module.allocate['depth'].weight.copy_(torch.tensor(
            [[1, 0, 0, 0, 1], [0, 0, 0, 2, 0], [0, 0, 0, 0, 0]],
            dtype=torch.float).view(3, 5, 1, 1))
        module.allocate['seg'].weight.copy_(torch.tensor(
            [[1, 1, 1, 0, 0], [0, 0, 0, 0, -1]], dtype=torch.float).view(2, 5, 1, 1))
    d = torch.tensor([1.0, 2.0, 3.0]).view(1, 3, 1, 1)
    s = torch.tensor([4.0, 5.0]).view(1, 2, 1, 1)
    out = module({'depth': d, 'seg': s})
    # concat = (1, 2, 3, 4, 5): f_d' = (1 + 1 + 5, 2 + 8, 3 + 0); f_s' = (4 + 6, 5 − 5)
    assert out['depth'].flatten().tolist() == [7.0, 10.0, 3.0]
    assert out['seg'].flatten().tolist() == [10.0, 0.0]


def test_fsm_shares_a_wide_context_through_separable_convolutions():
    module = fsm(zero_init=False, levels=2).eval()
    convs = [m for m in module.shared.modules()
             if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert convs and all(c.groups == c.in_channels for c in convs)  # depthwise
    d = torch.randn(1, 3, 16, 16, requires_grad=True)
    s = torch.randn(1, 2, 16, 16)
    module({'depth': d, 'seg': s})['seg'][0, :, 0, 0].sum().backward()
    # a pixel of the semantic output sees more depth features than the 3×3 of one convolution
    # (an LSU's 1×1 sees one pixel)
    assert (d.grad[0].abs().sum(0) > 0).sum() > 25


def test_lsu_is_the_drop_in_comparison():
    d, s = torch.randn(2, 3, 8, 8), torch.randn(2, 2, 8, 8)
    for cfg in (dict(type='FeatureSharingModule'), dict(type='LateralSharingUnit', mode='conv')):
        out = MODELS.build(dict(cfg, **TWO))({'depth': d, 'seg': s})
        assert out['depth'].shape == d.shape and out['seg'].shape == s.shape


def test_fsm_rejects_bad_configs():
    with pytest.raises(ValueError, match='two distinct tasks'):
        fsm(tasks=('depth',))
    with pytest.raises(ValueError, match='levels'):
        fsm(levels=-1)
