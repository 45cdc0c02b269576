"""Task heads: activations, predictions, resizing and flip handling."""
import math

import pytest
import torch

from mtl.models.heads.contours import ContourHead
from mtl.models.heads.depth import ACTIVATIONS, DepthHead
from mtl.models.heads.depth_interval import DepthIntervalHead
from mtl.models.heads.normals import NormalHead
from mtl.models.heads.segmentation import SegHead
from mtl.utils.depth_space import DepthBinning

R2 = math.sqrt(2)


@pytest.mark.parametrize('activation', ACTIVATIONS)
@pytest.mark.parametrize('hidden', [0, 4])
def test_depth_head_starts_at_init_depth(activation, hidden):
    head = DepthHead(in_channels=3, activation=activation, min_depth=1e-3, max_depth=10.0,
                     init_depth=2.5, hidden_channels=hidden)
    # a zero feature leaves only the last bias, which is set to activation⁻¹(init_depth)
    out = head(torch.zeros(2, 3, 4, 4), out_size=(8, 6))
    assert out.shape == (2, 1, 8, 6)
    assert torch.allclose(out, torch.full_like(out, 2.5), atol=1e-5)


def test_depth_head_is_positive_and_bounded():
    x = torch.randn(1, 3, 4, 4) * 100
    for activation in ACTIVATIONS:
        head = DepthHead(3, activation=activation, max_depth=10.0, min_depth=1e-3)
        with torch.no_grad():
            head.last_conv.bias.fill_(-1e4)
        assert head(x, (4, 4)).min() >= 1e-3  # clamped at min_depth
    head = DepthHead(3, activation='sigmoid', min_depth=1e-3, max_depth=10.0)
    with torch.no_grad():
        head.last_conv.bias.fill_(1e4)
    assert head(x, (4, 4)).max() <= 10.0


def test_depth_head_rejects_bad_arguments():
    with pytest.raises(ValueError, match='activation must be one of'):
        DepthHead(3, activation='tanh', min_depth=1e-3, max_depth=10.0)
    with pytest.raises(ValueError, match='0 < init_depth < max_depth'):
        DepthHead(3, init_depth=12.0, min_depth=1e-3, max_depth=10.0)


def test_seg_head_predicts_the_argmax_label():
    head = SegHead(in_channels=2, num_classes=3)
    logits = torch.tensor([[0.1, 2.0], [0.5, -1.0], [0.2, 3.0]]).view(1, 3, 1, 2)
    assert head.predict(logits).tolist() == [[[1, 2]]]
    assert head(torch.randn(2, 2, 3, 3), (6, 6)).shape == (2, 3, 6, 6)
    with pytest.raises(ValueError, match='num_classes must be at least 2'):
        SegHead(2, num_classes=1)


def test_normal_head_gives_unit_vectors_at_every_resolution():
    head = NormalHead(in_channels=4)
    out = head(torch.randn(2, 4, 3, 3), out_size=(5, 7))
    assert out.shape == (2, 3, 5, 7)
    assert torch.allclose(out.norm(dim=1), torch.ones(2, 5, 7), atol=1e-5)
    resized = head.resize(out, (11, 13))  # bilinear mixing shortens vectors; resize renormalises
    assert torch.allclose(resized.norm(dim=1), torch.ones(2, 11, 13), atol=1e-5)


def test_normal_head_unflip_mirrors_the_map_and_negates_x():
    head = NormalHead(in_channels=1)
    n = torch.tensor([[[0.6, 0.0]], [[0.0, 0.6]], [[-0.8, -0.8]]]).unsqueeze(0)  # (1, 3, 1, 2)
    un = head.unflip(n)
    assert un[0, :, 0, 0].tolist() == pytest.approx([0.0, 0.6, -0.8])
    assert un[0, :, 0, 1].tolist() == pytest.approx([-0.6, 0.0, -0.8])
    # a field and its exact mirror image merge back into the field
    assert torch.allclose(head.merge_flip(n, head.unflip(n)), n, atol=1e-6)


def test_merge_flip_averages_with_the_mirrored_output():
    head = SegHead(1, num_classes=2)
    a = torch.tensor([1., 2., 3.]).view(1, 1, 1, 3)
    b = torch.tensor([10., 20., 30.]).view(1, 1, 1, 3)
    # (a + flip(b)) / 2 = ([1, 2, 3] + [30, 20, 10]) / 2
    assert head.merge_flip(a, b).flatten().tolist() == [15.5, 11.0, 6.5]


def test_contour_head_predicts_probabilities():
    head = ContourHead(in_channels=2)
    logits = torch.tensor([0.0, math.log(3.0)]).view(1, 1, 1, 2)
    assert head.predict(logits).flatten().tolist() == pytest.approx([0.5, 0.75])
    assert head(torch.randn(1, 2, 2, 2), (4, 4)).shape == (1, 1, 4, 4)


def test_depth_interval_head_decodes_to_interval_centres():
    binning = DepthBinning(4, 1.0, 16.0, 'log')
    assert binning.centers().tolist() == pytest.approx([R2, 2 * R2, 4 * R2, 8 * R2])
    head = DepthIntervalHead(in_channels=2, num_bins=4, d_min=1.0, d_max=16.0, spacing='log')
    logits = torch.full((1, 4, 1, 2), -30.0)
    logits[0, 2, 0, 0] = 5.0                  # pixel 0: bin 2
    logits[0, 0, 0, 1] = logits[0, 1, 0, 1] = 5.0  # pixel 1: bins 0 and 1 tie (argmax takes 0)
    depth = head.predict(logits)
    assert depth.shape == (1, 1, 1, 2)
    assert depth.flatten().tolist() == pytest.approx([4 * R2, R2])
    head = DepthIntervalHead(in_channels=2, num_bins=4, d_min=1.0, d_max=16.0, spacing='log',
                             decode='expectation')
    # pixel 1: probabilities 1/2, 1/2 on bins 0, 1 -> (√2 + 2√2) / 2
    assert head.predict(logits).flatten().tolist() == pytest.approx([4 * R2, 1.5 * R2], rel=1e-5)
    with pytest.raises(ValueError, match='decode must be one of'):
        DepthIntervalHead(2, decode='median', d_min=2.0, d_max=125.0)
