"""TimmBackbone and TimmEncoderBranch on timm's tiny resnet10t."""
import huggingface_hub.constants
import pytest
import timm
import torch

from mtl.models.backbones.timm_backbone import TimmBackbone, TimmEncoderBranch

IMG = torch.randn(2, 3, 64, 64)


def test_out_channels_and_reductions_follow_out_indices():
    backbone = TimmBackbone('resnet10t', out_indices=(1, 2, 3, 4))
    assert backbone.out_channels == [64, 128, 256, 512]
    assert backbone.reductions == [4, 8, 16, 32]
    features = backbone(IMG)
    assert [tuple(f.shape) for f in features] == [
        (2, 64, 16, 16), (2, 128, 8, 8), (2, 256, 4, 4), (2, 512, 2, 2)]

    two = TimmBackbone('resnet10t', out_indices=(2, 4))
    assert two.out_channels == [128, 512] and two.reductions == [8, 32]


@pytest.mark.parametrize('stride, sizes', [(8, [16, 8, 8, 8]), (16, [16, 8, 4, 4]),
                                           (32, [16, 8, 4, 2])])
def test_output_stride_dilates_the_last_stages(stride, sizes):
    # 64 px input: reductions 4, 8 then min(16, stride), min(32, stride).
    backbone = TimmBackbone('resnet10t', output_stride=stride)
    features = backbone(IMG[:1])
    assert [f.shape[-1] for f in features] == sizes
    assert backbone.reductions == [64 // s for s in sizes]


def test_bad_output_stride_and_unknown_model_name():
    with pytest.raises(ValueError, match='output_stride must be 8, 16 or 32'):
        TimmBackbone('resnet10t', output_stride=4)
    with pytest.raises(ValueError, match='Unknown timm model "resnet10tt".*resnet10t'):
        TimmBackbone('resnet10tt')


def test_pretrained_tag_in_the_name_is_accepted():
    assert TimmBackbone('resnet10t.c3_in1k').out_channels == [64, 128, 256, 512]


@pytest.mark.parametrize('suffix', ['pth', 'safetensors'])
def test_local_checkpoint_loads_exactly_the_saved_weights(tmp_path, suffix):
    torch.manual_seed(1)
    source = timm.create_model('resnet10t')  # a classifier state dict, as timm releases them
    path = tmp_path / f'resnet10t.{suffix}'
    if suffix == 'pth':
        torch.save(source.state_dict(), path)
    else:
        from safetensors.torch import save_file
        save_file(source.state_dict(), str(path))
    torch.manual_seed(2)
    backbone = TimmBackbone('resnet10t', checkpoint=str(path))
    assert torch.equal(backbone.body.layer3[0].conv1.weight, source.layer3[0].conv1.weight)
    assert torch.equal(backbone.body.conv1[0].weight, source.conv1[0].weight)
    assert torch.equal(backbone.body.bn1.running_var, source.bn1.running_var)
    fresh = TimmBackbone('resnet10t')
    assert not torch.equal(fresh.body.layer3[0].conv1.weight, source.layer3[0].conv1.weight)


def test_missing_checkpoint_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth" does not exist'):
        TimmBackbone('resnet10t', checkpoint=str(tmp_path / 'nothing.pth'))


def test_offline_pretrained_tells_how_to_pass_local_weights(monkeypatch, tmp_path):
    # huggingface_hub reads HF_HUB_OFFLINE at import time: patch the constant it consults.
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    monkeypatch.setattr(huggingface_hub.constants, 'HF_HUB_OFFLINE', True)
    monkeypatch.setattr(huggingface_hub.constants, 'HF_HUB_CACHE', str(tmp_path))
    with pytest.raises(RuntimeError, match=r'Pretrained weights for "resnet10t".*checkpoint='):
        TimmBackbone('resnet10t', pretrained=True)


def test_encoder_branch_stages_reproduce_the_feature_extractor():
    torch.manual_seed(3)
    backbone = TimmBackbone('resnet10t').eval()
    torch.manual_seed(3)
    branch = TimmEncoderBranch('resnet10t').eval()
    assert branch.in_channels == 3
    assert branch.stage_channels == backbone.out_channels == [64, 128, 256, 512]
    assert len(branch.stages) == 4
    x, features = IMG, backbone(IMG)
    for i, expected in enumerate(features):
        x = branch.forward_stage(i, x, context={})
        assert torch.equal(x, expected), i
    assert branch.channels_at(0) == 3 and branch.channels_at(2) == 128
    assert branch.out_channels == 512


def test_encoder_branch_on_other_input_channels():
    branch = TimmEncoderBranch('resnet10t', in_channels=4, out_indices=(1, 2))
    assert branch.stage_channels == [64, 128]
    x = torch.randn(1, 4, 32, 32)
    for i in range(2):
        x = branch.forward_stage(i, x, context={})
    assert x.shape == (1, 128, 4, 4)
