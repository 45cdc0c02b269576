"""PAD-Net components against hand computations: the multi-scale aggregation neck (§3.2),
the deconvolution decoder (§3.3, §3.5) and distillation modules A, B (Eq. 1) and C
(Eqs. 2–3)."""
import pytest
import torch
from torch import nn

from mtl.models.decoders.deconv import DeconvDecoder
from mtl.models.interactions.pad_distillation_a import PADDistillationA
from mtl.models.interactions.pad_distillation_b import PADDistillationB
from mtl.models.interactions.pad_distillation_c import PADDistillationC
from mtl.models.necks.multi_scale_aggregation import MultiScaleAggregation

BN = (1 + 1e-5) ** 0.5  # an eval-mode BatchNorm with fresh statistics divides by this


def centre_taps(conv: nn.Module, values) -> None:
    """Zero a 3×3 convolution, then put ``values[o][i]`` at the centre tap (a 1×1 map)."""
    with torch.no_grad():
        conv.weight.zero_()
        for o, row in enumerate(values):
            for i, v in enumerate(row):
                conv.weight[o, i, 1, 1] = v


def set_identity_encoders(module, gains=None) -> None:
    for name, encoder in module.encoders.items():
        width, channels = encoder[0].weight.shape[:2]
        gain = (gains or {}).get(name, [1.0] * width)
        centre_taps(encoder[0], [[gain[o] if i == min(o, channels - 1) else 0.0
                                  for i in range(channels)] for o in range(width)])


def test_aggregation_strided_conv_resize_and_concatenation():
    neck = MultiScaleAggregation(in_channels=[1, 2], channels=1).eval()
    centre_taps(neck.reduce[0][0], [[1.0]])
    shallow = torch.arange(16.).view(1, 1, 4, 4)
    last = torch.randn(1, 2, 2, 2)
    out = neck([shallow, last])
    assert neck.out_channels == [1, 3] and len(out) == 2 and out[0] is shallow
    # stride 2 with a centre tap picks pixels (0, 0), (0, 2), (2, 0), (2, 2): already 2×2.
    expected_reduced = torch.tensor([[0., 2.], [8., 10.]]) / BN
    assert torch.allclose(out[1][0, :2], last[0])
    assert torch.allclose(out[1][0, 2], expected_reduced)


def test_aggregation_resizes_to_the_last_scale_and_checks_its_config():
    neck = MultiScaleAggregation(in_channels=[4, 8, 16], channels=3, strides=(2, 1))
    out = neck([torch.randn(2, 4, 16, 24), torch.randn(2, 8, 8, 12), torch.randn(2, 16, 4, 6)])
    assert out[-1].shape == (2, 16 + 2 * 3, 4, 6) and neck.out_channels[-1] == 22
    with pytest.raises(ValueError, match='strides needs one entry'):
        MultiScaleAggregation(in_channels=[4, 8, 16], strides=(2,))
    with pytest.raises(ValueError, match='at least two feature levels'):
        MultiScaleAggregation(in_channels=[16])


def test_deconv_stage_doubles_resolution_with_the_kernel_centre():
    decoder = DeconvDecoder(in_channels=1, channels=(1,)).eval()
    deconv = decoder.stages[0][0]
    with torch.no_grad():
        deconv.weight.zero_()
        deconv.weight[0, 0, 1:3, 1:3] = torch.tensor([[1., 2.], [3., 4.]])
    out = decoder.forward_stage(0, torch.ones(1, 1, 1, 1), {})
    # 4×4 kernel, stride 2, padding 1: a single input pixel spreads the kernel's centre 2×2.
    assert torch.allclose(out[0, 0], torch.tensor([[1., 2.], [3., 4.]]) / BN)


def test_deconv_decoder_final_stages_halve_channels_and_double_resolution():
    decoder = DeconvDecoder(in_channels=32, channels=(16, 8, 4))
    assert decoder.stage_channels == [16, 8, 4] and decoder.channels_at(1) == 16
    x = torch.randn(2, 32, 3, 5)
    for i in range(3):
        x = decoder.forward_stage(i, x, {})
    assert x.shape == (2, 4, 24, 40)
    with pytest.raises(ValueError, match='at least one stage'):
        DeconvDecoder(in_channels=4, channels=())


def positive(*shape):
    return torch.rand(*shape) + 0.5  # positive, so the encoders' ReLU keeps every value


def test_module_a_concatenates_the_encodings_in_input_order():
    module = PADDistillationA(tasks=('depth', 'seg'), channels=dict(depth=4, seg=4),
                              input_channels=dict(depth=1, seg=2)).eval()
    set_identity_encoders(module, gains=dict(depth=[1.0, 2.0]))
    d, s = positive(1, 1, 3, 3), positive(1, 2, 3, 3)
    out = module(dict(depth=torch.zeros(1, 4, 3, 3), seg=torch.zeros(1, 4, 3, 3)), depth=d, seg=s)
    expected = torch.cat([d, 2 * d, s], dim=1) / BN
    assert torch.allclose(out['depth'], expected) and torch.allclose(out['seg'], expected)


def test_module_a_width_must_split_evenly():
    with pytest.raises(ValueError, match='not divisible by 3'):
        PADDistillationA(tasks=('depth',), channels=dict(depth=4),
                         input_channels=dict(depth=1, seg=2, normals=3))


def test_module_b_is_equation_1():
    module = PADDistillationB(tasks=('depth', 'seg'), channels=dict(depth=1, seg=1),
                              input_channels=dict(depth=1, seg=1, normals=1)).eval()
    set_identity_encoders(module)
    weights = {'seg_to_depth': 2.0, 'normals_to_depth': 3.0,
               'depth_to_seg': 5.0, 'normals_to_seg': 7.0}
    for name, w in weights.items():
        centre_taps(module.messages[name], [[w]])
        nn.init.constant_(module.messages[name].bias, 0.1)
    y = {t: positive(2, 1, 4, 4) for t in ('depth', 'seg', 'normals')}
    f = {t: v / BN for t, v in y.items()}
    out = module(dict(depth=torch.zeros(2, 1, 4, 4), seg=torch.zeros(2, 1, 4, 4)), **y)
    assert torch.allclose(out['depth'], f['depth'] + 2 * f['seg'] + 0.1 + 3 * f['normals'] + 0.1)
    assert torch.allclose(out['seg'], f['seg'] + 5 * f['depth'] + 0.1 + 7 * f['normals'] + 0.1)


def test_module_c_is_equations_2_and_3_with_the_gate_from_the_receiving_task():
    module = PADDistillationC(tasks=('depth',), channels=dict(depth=1),
                              input_channels=dict(depth=1, seg=1, contours=1)).eval()
    set_identity_encoders(module)
    centre_taps(module.gates['depth'], [[0.5]])
    nn.init.constant_(module.gates['depth'].bias, -0.2)
    for t, w in (('seg', 2.0), ('contours', -1.0)):
        centre_taps(module.messages[t], [[w]])
        nn.init.zeros_(module.messages[t].bias)
    y = {t: positive(1, 1, 3, 3) for t in ('depth', 'seg', 'contours')}
    f = {t: v / BN for t, v in y.items()}
    out = module(dict(depth=torch.zeros(1, 1, 3, 3)), **y)
    gate = torch.sigmoid(0.5 * f['depth'] - 0.2)
    expected = f['depth'] + gate * (2 * f['seg']) + gate * (-f['contours'])
    assert torch.allclose(out['depth'], expected)


def test_predictions_are_resized_to_the_boundary_features():
    module = PADDistillationC(tasks=('depth', 'seg'), channels=dict(depth=8, seg=8),
                              input_channels=dict(depth=1, seg=5, normals=3, contours=1))
    feats = dict(depth=torch.randn(2, 8, 6, 10), seg=torch.randn(2, 8, 6, 10))
    preds = dict(depth=torch.rand(2, 1, 24, 40), seg=torch.randn(2, 5, 24, 40),
                 normals=torch.randn(2, 3, 24, 40), contours=torch.randn(2, 1, 24, 40))
    out = module(feats, **preds)
    assert set(out) == {'depth', 'seg'} and out['seg'].shape == (2, 8, 6, 10)
    sum(o.sum() for o in out.values()).backward()
    assert all(param.grad is not None for param in module.parameters())


def test_gradients_reach_every_prediction():
    for cls in (PADDistillationA, PADDistillationB, PADDistillationC):
        module = cls(tasks=('depth', 'seg'), channels=dict(depth=4, seg=4),
                     input_channels=dict(depth=1, seg=3, normals=3, contours=1))
        preds = {k: torch.randn(1, c, 4, 4, requires_grad=True)
                 for k, c in dict(depth=1, seg=3, normals=3, contours=1).items()}
        out = module(dict(depth=torch.zeros(1, 4, 2, 2), seg=torch.zeros(1, 4, 2, 2)), **preds)
        (out['depth'].sum() + out['seg'].sum()).backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in preds.values()), cls


def test_distillation_errors_name_the_problem():
    with pytest.raises(ValueError, match='add it to inputs'):
        PADDistillationB(tasks=('depth', 'seg'), channels=dict(depth=4, seg=4),
                         input_channels=dict(depth=1, normals=3))
    with pytest.raises(ValueError, match='equal widths'):
        PADDistillationC(tasks=('depth', 'seg'), channels=dict(depth=4, seg=8),
                         input_channels=dict(depth=1, seg=3))
    with pytest.raises(ValueError, match=r"inputs \['seg'\] are unknown"):
        PADDistillationB(tasks=('depth',), channels=dict(depth=4),
                         input_channels=dict(depth=1, seg=None))
    module = PADDistillationB(tasks=('depth',), channels=dict(depth=4),
                              input_channels=dict(depth=1, seg=3))
    with pytest.raises(KeyError, match="expects the predictions"):
        module(dict(depth=torch.zeros(1, 4, 2, 2)), depth=torch.zeros(1, 1, 2, 2))
