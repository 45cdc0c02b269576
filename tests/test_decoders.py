"""Decoders: FCRN up-projection (Laina et al. 2016), the light decoder, chained branches."""
import pytest
import torch
from torch import nn

from mtl.models.decoders.chain import ChainBranch
from mtl.models.decoders.light import LightDecoder
from mtl.models.decoders.upconv import UpConvDecoder, UpProjection, unpool


def test_unpool_puts_each_value_at_the_top_left_of_its_block():
    x = torch.tensor([[1., 2.], [3., 4.]]).view(1, 1, 2, 2)
    assert unpool(x)[0, 0].tolist() == [[1, 0, 2, 0],
                                        [0, 0, 0, 0],
                                        [3, 0, 4, 0],
                                        [0, 0, 0, 0]]


def test_up_projection_with_identity_projection_is_relu_of_the_unpooled_input():
    block = UpProjection(1, 1).eval()  # eval: BatchNorm with running stats 0 / 1 is x / sqrt(1 + eps)
    with torch.no_grad():
        for module in block.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.zero_()
        block.projection[0].weight[0, 0, 2, 2] = 1.0  # centre tap of the 5×5 projection
    x = torch.tensor([[1., -2.], [3., 4.]]).view(1, 1, 2, 2)
    out = block(x)
    assert out.shape == (1, 1, 4, 4)
    # main path is 0, projection path is unpool(x); the final ReLU clips the −2.
    expected = torch.tensor([[1., 0, 0, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]])
    assert torch.allclose(out[0, 0], expected / (1 + 1e-5) ** 0.5)


def test_upconv_decoder_stages_and_resolution():
    decoder = UpConvDecoder(in_channels=32, channels=(16, 8, 4))
    assert decoder.stage_channels == [16, 8, 4] and len(decoder.stages) == 3
    assert decoder.out_channels == 4 and decoder.channels_at(0) == 32 and decoder.channels_at(1) == 16
    x = torch.randn(2, 32, 3, 5)
    shapes = []
    for i in range(3):
        x = decoder.forward_stage(i, x, context={})
        shapes.append(tuple(x.shape))
    # stage 0 reduces channels at the same size; each up-projection doubles H and W
    assert shapes == [(2, 16, 3, 5), (2, 8, 6, 10), (2, 4, 12, 20)]


def test_upconv_decoder_needs_an_up_projection():
    with pytest.raises(ValueError, match='at least one up-projection'):
        UpConvDecoder(in_channels=8, channels=(4,))


def test_light_decoder_without_skips_doubles_each_stage():
    decoder = LightDecoder(in_channels=16, channels=(8, 4))
    assert decoder.stage_channels == [8, 4] and decoder.num_skips == 0
    x = torch.randn(1, 16, 2, 3)
    x = decoder.forward_stage(0, x, context=dict(features=[]))
    assert x.shape == (1, 8, 4, 6)
    assert decoder.forward_stage(1, x, context=dict(features=[])).shape == (1, 4, 8, 12)


def test_light_decoder_skips_use_the_matching_backbone_feature():
    # features deepest last: channels (4, 6, 10) at 16, 8, 4 px; the branch input is the deepest.
    decoder = LightDecoder(in_channels=10, channels=(5, 3, 2), skips=True, feature_channels=(4, 6, 10))
    assert decoder.num_skips == 2
    # stage 0 concatenates the 6-channel feature, stage 1 the 4-channel one, stage 2 nothing
    assert [s.conv[0].in_channels for s in decoder.stages] == [10 + 6, 5 + 4, 3]
    decoder.eval()
    features = [torch.randn(1, 4, 16, 16), torch.randn(1, 6, 8, 8), torch.randn(1, 10, 4, 4)]
    context = dict(features=features)
    s0 = decoder.forward_stage(0, features[-1], context)
    s1 = decoder.forward_stage(1, s0, context)
    s2 = decoder.forward_stage(2, s1, context)
    assert [t.shape[-1] for t in (s0, s1, s2)] == [8, 16, 32]
    # changing the 8-px feature changes stage 0; changing the 16-px feature only stage 1
    other = dict(features=[features[0], torch.randn(1, 6, 8, 8), features[2]])
    assert not torch.allclose(decoder.forward_stage(0, features[-1], other), s0)
    other = dict(features=[torch.randn(1, 4, 16, 16), features[1], features[2]])
    assert torch.equal(decoder.forward_stage(0, features[-1], other), s0)
    assert not torch.allclose(decoder.forward_stage(1, s0, other), s1)


def test_chain_branch_concatenates_parts_without_duplicated_state():
    chain = ChainBranch(in_channels=8, parts=[dict(type='UpConvDecoder', channels=(6, 4)),
                                              dict(type='LightDecoder', channels=(3, 2))])
    assert chain.in_channels == 8
    assert chain.stage_channels == [6, 4, 3, 2]
    assert len(chain.stages) == 4
    assert chain.parts[1].in_channels == 4  # the second part gets the first part's output width
    keys = list(chain.state_dict())
    assert len(keys) == len(set(keys))
    assert all(k.startswith('parts.') for k in keys)
    assert len(list(chain.parameters())) == (len(list(chain.parts[0].parameters()))
                                             + len(list(chain.parts[1].parameters())))
    x = torch.randn(1, 8, 2, 2)
    for i in range(4):
        x = chain.forward_stage(i, x, context=dict(features=[]))
    # 1×1 reduce, up-projection ×2, then two light ×2 stages
    assert x.shape == (1, 2, 16, 16)


def test_chain_branch_reports_a_part_with_mismatched_channels():
    from mtl.models.builder import ConfigError
    parts = [dict(type='LightDecoder', channels=(8,)),
             dict(type='LightDecoder', in_channels=16, channels=(4,))]
    with pytest.raises(ConfigError, match=r'parts\[1\].in_channels is 16, but the model provides 8'):
        ChainBranch(in_channels=32, parts=parts)


def test_chain_branch_passes_backbone_feature_channels_to_its_parts():
    chain = ChainBranch(in_channels=32, parts=[dict(type='LightDecoder', channels=(8, 4), skips=True)],
                        feature_channels=(16, 32))
    assert chain.parts[0].num_skips == 1
