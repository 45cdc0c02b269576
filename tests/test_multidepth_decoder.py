"""PyramidPoolingDecoder (PSPNet's decoder, one per task in MultiDepth): stages, channels, bins."""
import pytest
import torch

from mtl.models.decoders.pyramid_pooling import PyramidPoolingDecoder, PyramidPoolingModule
from mtl.registry import MODELS


def test_two_stages_with_psp_channel_plan():
    decoder = PyramidPoolingDecoder(in_channels=64, channels=16)
    # stage 0: input (64) + four pooled paths of 64 / 4 = 16 channels; stage 1: conv block
    assert decoder.stage_channels == [128, 16]
    assert decoder.out_channels == 16
    assert (decoder.channels_at(0), decoder.channels_at(1)) == (64, 128)
    x = torch.randn(2, 64, 12, 16)
    context = dict(features=[x], history=[x], input_size=(96, 128))
    pooled = decoder.forward_stage(0, x, context)
    assert pooled.shape == (2, 128, 12, 16)
    out = decoder.forward_stage(1, pooled, context)
    assert out.shape == (2, 16, 12, 16)


def test_pooling_paths_use_the_requested_bins_and_keep_the_input_as_skip():
    module = PyramidPoolingModule(in_channels=8, bins=(1, 2, 3, 6), pool_channels=2)
    assert [path[0].output_size for path in module.paths] == [1, 2, 3, 6]
    x = torch.randn(2, 8, 12, 12)  # training-mode BN on the 1×1 bin needs a batch > 1
    out = module(x)
    assert out.shape == (2, 8 + 4 * 2, 12, 12)
    # the un-pooled input is concatenated unchanged (PSPNet's skip)
    assert torch.equal(out[:, :8], x)
    # the 1×1 bin is global context: constant over the map
    global_path = out[:, 8:10]
    assert torch.allclose(global_path, global_path[..., :1, :1].expand_as(global_path))


def test_bin_2_path_reduces_the_quadrant_averages():
    module = PyramidPoolingModule(in_channels=4, bins=(2,), pool_channels=3).eval()
    x = torch.zeros(1, 4, 8, 8)
    x[..., :4, :4] = 2.0  # only the top-left quadrant is non-zero
    x[..., 4:, 4:] = 1.0
    averages = torch.tensor([[2.0, 0.0], [0.0, 1.0]]).expand(1, 4, 2, 2)
    pooled = module.paths[0](x)  # (1, 3, 2, 2): pool -> 1×1 conv -> BN -> ReLU
    assert torch.allclose(pooled, module.paths[0][1](averages))
    # up-sampled back to 8×8 and appended after the input channels
    assert module(x).shape == (1, 4 + 3, 8, 8)


def test_default_pool_channels_are_c_over_number_of_bins():
    assert PyramidPoolingDecoder(in_channels=2048).stage_channels == [4096, 512]
    assert PyramidPoolingDecoder(in_channels=96, bins=(1, 3)).stage_channels == [192, 512]


@pytest.mark.parametrize('kwargs, match', [
    (dict(bins=()), 'bins'), (dict(bins=(1, 0)), 'bins'), (dict(dropout=1.0), 'dropout')])
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PyramidPoolingDecoder(in_channels=8, **kwargs)


def test_one_decoder_per_task_on_a_dilated_backbone_at_output_stride_8():
    model = MODELS.build(dict(
        type='MultiTaskModel',
        backbone=dict(type='TimmBackbone', model_name='resnet10t', out_indices=(4,),
                      output_stride=8),
        tasks=dict(
            depth=dict(branch=dict(type='PyramidPoolingDecoder', channels=16),
                       head=dict(type='NormalizedLogDepthHead', d_min=2.0, d_max=125.0,
                                 kernel_size=1)),
            depth_cls=dict(branch=dict(type='PyramidPoolingDecoder', channels=16),
                           head=dict(type='DepthIntervalHead', num_bins=8, d_min=2.0, d_max=125.0,
                                     kernel_size=1))),
        losses={'depth.mse': dict(type='MaskedL2Loss'),
                'depth_cls.ce': dict(type='CrossEntropyLoss')}))
    assert model.backbone.reductions == [8]
    assert model.branches['depth'] is not model.branches['depth_cls']
    assert model.heads['depth'].last_conv.kernel_size == (1, 1)
    outputs, _ = model.forward_outputs(torch.randn(2, 3, 48, 64))
    assert outputs['depth'].shape == (2, 1, 48, 64)
    assert outputs['depth_cls'].shape == (2, 8, 48, 64)
