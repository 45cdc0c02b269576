"""Jiao et al. (ECCV 2018): the lateral sharing unit (Eq. 3) and the semi-dense up-skip
connections (Eq. 4), against values worked out by hand."""
import pytest
import torch
from torch.nn import functional as F

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.models.builder import ConfigError
from mtl.registry import MODELS

TWO = dict(tasks=('depth', 'seg'), channels={'depth': 2, 'seg': 2})


def lsu(**kwargs):
    return MODELS.build(dict(type='LateralSharingUnit', **{**TWO, **kwargs}))


def set_scalars(unit, phi_d, phi_s, gamma_d, gamma_s):
    with torch.no_grad():
        unit.weight.copy_(torch.tensor([[phi_d, phi_s], [gamma_d, gamma_s]])[..., None])


# ---------------------------------------------------------------- LSU (Eq. 3)
def test_lsu_starts_as_identity():
    d, s = torch.randn(2, 2, 3, 3), torch.randn(2, 2, 3, 3)
    for mode in ('scalar', 'channel', 'conv'):
        out = lsu(mode=mode)({'depth': d, 'seg': s})
        assert torch.equal(out['depth'], d) and torch.equal(out['seg'], s)


def test_lsu_scalar_equation_3_by_hand():
    unit = lsu()
    assert sum(p.numel() for p in unit.parameters()) == 4  # φ_D, φ_S, γ_D, γ_S
    set_scalars(unit, phi_d=0.5, phi_s=-1.0, gamma_d=0.25, gamma_s=2.0)
    d, s = torch.full((1, 2, 2, 2), 2.0), torch.full((1, 2, 2, 2), 3.0)
    out = unit({'depth': d, 'seg': s})
    # LSU_D2 = 2 + (0.5·2 − 1·3) = 0;  LSU_S2 = 3 + (0.25·2 + 2·3) = 9.5
    assert torch.allclose(out['depth'], torch.zeros_like(d))
    assert torch.allclose(out['seg'], torch.full_like(s, 9.5))


def test_lsu_gradients_share_both_ways():
    unit = lsu()
    set_scalars(unit, phi_d=0.5, phi_s=-1.0, gamma_d=0.25, gamma_s=2.0)
    d = torch.full((1, 2, 2, 2), 2.0, requires_grad=True)
    s = torch.full((1, 2, 2, 2), 3.0, requires_grad=True)
    out = unit({'depth': d, 'seg': s})
    out['depth'].sum().backward()
    # ∂ΣD2/∂φ_D = ΣD1 = 16, ∂ΣD2/∂φ_S = ΣS1 = 24; γ gets nothing from D2
    assert unit.weight.grad[:, :, 0].tolist() == [[16.0, 24.0], [0.0, 0.0]]
    # ∂D2/∂D1 = 1 + φ_D (identity mapping), ∂D2/∂S1 = φ_S: the depth loss reaches S
    assert torch.allclose(d.grad, torch.full_like(d, 1.5))
    assert torch.allclose(s.grad, torch.full_like(s, -1.0))


def test_lsu_channel_mode_has_one_weight_per_channel():
    unit = lsu(mode='channel', init_self=0.0, init_cross=0.0)
    with torch.no_grad():
        unit.weight[0, 1] = torch.tensor([1.0, 2.0])  # φ_S per channel
    d, s = torch.zeros(1, 2, 1, 1), torch.ones(1, 2, 1, 1)
    out = unit({'depth': d, 'seg': s})
    assert out['depth'].flatten().tolist() == [1.0, 2.0]
    assert torch.equal(out['seg'], s)


def test_lsu_conv_mode_is_ci_net_equation_6_and_allows_different_widths():
    unit = MODELS.build(dict(type='LateralSharingUnit', tasks=('depth', 'seg'),
                             channels={'depth': 3, 'seg': 2}, mode='conv'))
    d, s = torch.randn(1, 3, 4, 4), torch.randn(1, 2, 4, 4)
    with torch.no_grad():  # C_fs2: seg (2) -> depth (3)
        unit.convs[1].weight.copy_(torch.arange(6.0).view(3, 2, 1, 1))
    out = unit({'depth': d, 'seg': s})
    expected = d + F.conv2d(s, torch.arange(6.0).view(3, 2, 1, 1))
    assert torch.allclose(out['depth'], expected)
    assert torch.equal(out['seg'], s)


def test_lsu_init_values():
    unit = lsu(mode='conv', init_self=0.1, init_cross=0.2)
    assert torch.allclose(unit.convs[0].weight[:, :, 0, 0], 0.1 * torch.eye(2))
    assert torch.allclose(unit.convs[1].weight[:, :, 0, 0], 0.2 * torch.eye(2))
    expected = torch.tensor([[0.0, 0.3], [0.3, 0.0]])
    assert torch.allclose(lsu(init_cross=0.3).weight[:, :, 0], expected)


def test_lsu_any_tasks_and_errors():
    unit = MODELS.build(dict(type='LateralSharingUnit', tasks=('a', 'b', 'c'),
                             channels={'a': 1, 'b': 1, 'c': 1}, init_cross=1.0))
    x = {t: v * torch.ones(1, 1, 1, 1) for t, v in (('a', 1), ('b', 2), ('c', 3))}
    assert unit(x)['a'].item() == 1 + 2 + 3
    with pytest.raises(ValueError, match='equal width'):
        MODELS.build(dict(type='LateralSharingUnit', tasks=('d', 's'), channels={'d': 2, 's': 3}))
    with pytest.raises(ValueError, match='at least two'):
        lsu(tasks=('depth',))
    with pytest.raises(ValueError, match='mode must be'):
        lsu(mode='dense')


def test_lsu_gates_gradients_of_samples_without_a_task():
    unit = lsu(init_cross=1.0)
    d = torch.ones(2, 2, 1, 1, requires_grad=True)
    s = torch.ones(2, 2, 1, 1, requires_grad=True)
    unit.set_task_presence({'depth': torch.tensor([True, True]),
                            'seg': torch.tensor([False, True])})
    out = unit({'depth': d, 'seg': s})
    assert torch.equal(out['depth'], 2 * torch.ones(2, 2, 1, 1))  # values unchanged
    out['depth'].sum().backward()
    assert s.grad[0].abs().sum() == 0 and torch.equal(s.grad[1], torch.ones(2, 1, 1))


# ---------------------------------------------------------------- SUC (Eq. 4)
def ones_conv(suc, index, value=1.0):
    """Set h̃_index's convolution to ``value`` everywhere and its BN to the identity."""
    conv, bn = suc.maps[index].conv[0], suc.maps[index].conv[1]
    with torch.no_grad():
        conv.weight.fill_(value)
        bn.running_var.fill_(1 - bn.eps)


def test_suc_sum_equation_4_by_hand():
    suc = MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(2, 1), kernel_size=1)).eval()
    ones_conv(suc, 0)
    f_in = torch.tensor([[[[1.0, 3.0]], [[1.0, -1.0]]]])  # (1, 2, 1, 2): channel sums 2, 2
    f_1 = torch.full((1, 1, 2, 4), 10.0)
    out = suc([f_in, f_1])
    # h̃(f_in) = relu(1×1 conv of bilinear(f_in)); the channel sum is (2, 2) -> 2 everywhere
    assert out.shape == (1, 1, 2, 4)
    assert torch.allclose(out, torch.full_like(out, 12.0))


def test_suc_uses_bilinear_upsampling_before_the_conv():
    suc = MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(1, 1), kernel_size=1)).eval()
    ones_conv(suc, 0)
    f_in = torch.tensor([[[[0.0, 4.0]]]])
    out = suc([f_in, torch.zeros(1, 1, 1, 4)])
    expected = F.interpolate(f_in, size=(1, 4), mode='bilinear', align_corners=False)
    assert torch.allclose(out, expected)  # 0, 1, 3, 4


def test_suc_concat_and_width_options():
    suc = MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(8, 4, 4), mode='concat'))
    assert suc.out_channels == 12 and suc.maps[-1].conv is None
    out = suc([torch.randn(2, 8, 2, 2), torch.randn(2, 4, 4, 4), torch.randn(2, 4, 8, 8)])
    assert out.shape == (2, 12, 8, 8)
    assert MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(8, 4),
                             transform_last=True)).maps[-1].conv is not None
    wide = MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(8, 4), out_channels=6))
    assert wide.out_channels == 6 and wide.maps[-1].conv is not None
    cheap = MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(8, 4), conv_first=True))
    assert cheap([torch.randn(1, 8, 2, 2), torch.randn(1, 4, 4, 4)]).shape == (1, 4, 4, 4)
    with pytest.raises(ValueError, match='mode must be'):
        MODELS.build(dict(type='SemiDenseUpSkip', in_channels=(8, 4), mode='max'))


# ---------------------------------------------------------------- the decoder
def decoder(**kwargs):
    inner = dict(type='UpConvDecoder', channels=(8, 4, 4, 2, 2))
    return MODELS.build(dict(type='SemiDenseUpSkipDecoder', in_channels=8, decoder=inner, **kwargs))


def run_stages(branch, x, between=None):
    history = [x]
    for i in range(len(branch.stages)):
        x = branch.forward_stage(i, x, dict(history=history, features=[], input_size=(64, 64)))
        x = between(i, x) if between else x
        history.append(x)
    return x


def test_decoder_plan_and_boundaries():
    branch = decoder()
    assert branch.stage_channels == [8, 4, 4, 2, 2, 2]  # conv2, 4 up-convs, SUC
    assert branch.channels_at(2) == 4  # after the first up-conv: where LSU 1 sits
    assert run_stages(branch.eval(), torch.randn(1, 8, 2, 2)).shape == (1, 2, 32, 32)


def test_decoder_stage_source_matches_table_3():
    """SUC input = conv2, upconv1..3 as the up-conv layers produced them, upconv4 itself."""
    torch.manual_seed(0)
    branch = decoder().eval()
    x = torch.randn(1, 8, 2, 2)
    outs = []
    for i, stage in enumerate(branch.decoder.stages):
        stage.register_forward_hook(lambda m, a, out: outs.append(out))
    result = run_stages(branch, x, lambda i, y: 2 * y if 1 <= i <= 3 else y)
    assert torch.allclose(result, branch.suc(outs))
    branch = decoder(skip_source='boundary').eval()
    outs.clear()
    for stage in branch.decoder.stages:
        stage.register_forward_hook(lambda m, a, out: outs.append(out))
    result = run_stages(branch, x, lambda i, y: 2 * y if 1 <= i <= 3 else y)
    boundary = [outs[0]] + [2 * o for o in outs[1:4]] + [outs[4]]
    assert torch.allclose(result, branch.suc(boundary))


def test_decoder_errors():
    with pytest.raises(ValueError, match='first_stage'):
        decoder(first_stage=4)
    branch = decoder()
    with pytest.raises(ValueError, match='skip_source'):
        decoder(skip_source='history')
    with pytest.raises(RuntimeError, match='in order'):
        branch.forward_stage(5, torch.randn(1, 2, 32, 32), dict(history=[]))


def test_multitask_model_rejects_mismatched_lsu_widths():
    dec = dict(type='UpConvDecoder', channels=(8, 4, 4))
    cfg = dict(type='MultiTaskModel', backbone=None,
               tasks=dict(depth=dict(branch=dec, head=dict(type='DepthHead', min_depth=1e-3,
                                                            max_depth=10.0)),
                          seg=dict(branch=dict(dec, channels=(8, 4, 2)),
                                   head=dict(type='SegHead', num_classes=3))),
               interactions=dict(lsu=dict(type='LateralSharingUnit', after_stage=3,
                                          tasks=('depth', 'seg'))))
    with pytest.raises(ConfigError, match='equal width'):
        MODELS.build(cfg)
