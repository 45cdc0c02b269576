"""MultiDepth's two depth outputs: normalised log depth regression (Eq. 2) and depth intervals
uniform in that space, with optional quantisation clipping planes (Sec. 3.3)."""
import math

import pytest
import torch

from mtl.models.heads.depth_interval import DepthIntervalHead
from mtl.models.heads.normalized_log_depth import NormalizedLogDepthHead
from mtl.structures import TARGET_SPECS, valid_mask
from mtl.utils.depth_space import DepthBinning


def test_predict_inverts_eq_2_to_metres():
    head = NormalizedLogDepthHead(in_channels=4, d_min=2.0, d_max=125.0)
    d_log = torch.tensor([0.0, 0.25, 0.5, 1.0]).view(1, 1, 1, 4)
    # d = 124 ** d_log + 2 - 1
    expected = torch.tensor([2.0, 124 ** 0.25 + 1, math.sqrt(124) + 1, 125.0])
    assert torch.allclose(head.predict(d_log).flatten(), expected, rtol=1e-5)
    assert torch.allclose(head.predict(d_log).flatten()[1:3], torch.tensor([4.336988, 12.135529]))


def test_predict_clips_to_the_normalised_range():
    head = NormalizedLogDepthHead(in_channels=4, d_min=0.5, d_max=12.0)
    depth = head.predict(torch.tensor([-3.0, 7.0, 1e6]).view(1, 1, 1, 3)).flatten()
    assert torch.allclose(depth, torch.tensor([0.5, 12.0, 12.0]))


def test_training_output_is_linear_and_starts_at_init_depth():
    head = NormalizedLogDepthHead(in_channels=4, d_min=2.0, d_max=125.0, init_depth=10.0,
                                  kernel_size=1)
    assert head.last_conv.kernel_size == (1, 1)
    # bias = ln(10 - 2 + 1) / ln(125 - 2 + 1)
    assert head.last_conv.bias.item() == pytest.approx(math.log(9) / math.log(124), rel=1e-6)
    with torch.no_grad():
        head.last_conv.weight.zero_()
    out = head(torch.randn(2, 4, 3, 5), (6, 10))
    assert out.shape == (2, 1, 6, 10)
    assert torch.allclose(out, torch.full_like(out, math.log(9) / math.log(124)))
    assert head.predict(out)[0, 0, 0, 0].item() == pytest.approx(10.0, rel=1e-5)


def test_head_declares_its_target_with_nan_as_invalid():
    assert NormalizedLogDepthHead.default_target == 'depth_nlog'
    assert TARGET_SPECS['depth_nlog'].kind == 'scalar'
    target = torch.tensor([[[0.0, float('nan'), 0.7]]])
    assert valid_mask('depth_nlog', target).tolist() == [[True, False, True]]


@pytest.mark.parametrize('kwargs, match', [
    (dict(d_min=5.0, d_max=2.0), 'd_min < d_max'),
    (dict(d_min=2.0, d_max=125.0, init_depth=200.0), 'init_depth')])
def test_bad_head_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NormalizedLogDepthHead(in_channels=4, **kwargs)


def test_clipping_planes_inside_the_normalisation_bounds():
    # Eq. 2 with (2, 125) m; 4 intervals between clipping planes 5 m and 50 m: d - 1 is
    # geometric from 4 to 49 (ratio 12.25 ** 0.25), so the middle edge is d - 1 = 14.
    binning = DepthBinning(4, 5.0, 50.0, 'normalized_log', norm_range=(2.0, 125.0))
    depth = torch.tensor([0.0, 3.0, 8.4, 8.6, 14.9, 15.1, 27.1, 27.3, 60.0])
    assert binning.encode(depth).tolist() == [255, 0, 0, 1, 1, 2, 2, 3, 3]
    ratio = 12.25 ** 0.25
    centres = [4 * ratio ** (k + 0.5) + 1 for k in range(4)]
    assert torch.allclose(binning.centers(), torch.tensor(centres), rtol=1e-5)
    # without norm_range the space is Eq. 2 with (5, 50) m: another spacing
    assert DepthBinning(4, 5.0, 50.0, 'normalized_log').encode(torch.tensor([14.9])).item() == 2


def test_norm_range_validation():
    with pytest.raises(ValueError, match='normalized_log'):
        DepthBinning(4, 5.0, 50.0, 'log', norm_range=(2.0, 125.0))
    with pytest.raises(ValueError, match='clipping planes'):
        DepthBinning(4, 1.0, 50.0, 'normalized_log', norm_range=(2.0, 125.0))


def test_interval_head_decodes_with_the_clipping_planes_and_a_1x1_classifier():
    head = DepthIntervalHead(in_channels=4, num_bins=4, d_min=5.0, d_max=50.0,
                             norm_range=(2.0, 125.0), kernel_size=1)
    assert head.last_conv.kernel_size == (1, 1) and head.last_conv.out_channels == 4
    logits = torch.zeros(1, 4, 1, 2)
    logits[0, 2, 0, 0] = 5.0  # interval 2 at the first pixel
    logits[0, 0, 0, 1] = 5.0  # interval 0 at the second
    depth = head.predict(logits).flatten()
    assert torch.allclose(depth, torch.tensor([4 * 12.25 ** 0.625 + 1, 4 * 12.25 ** 0.125 + 1]))


def test_head_decodes_the_targets_of_the_transforms_built_with_the_same_bounds():
    from mtl.datasets.transforms.derived import DepthToIntervals, DepthToNormalizedLog
    depth = torch.tensor([[[0.0, 2.0, 7.5, 40.0, 124.0]]])
    sample = dict(img=torch.zeros(3, 1, 5, dtype=torch.uint8), depth=depth)
    sample = DepthToNormalizedLog(2.0, 125.0)(sample)
    sample = DepthToIntervals(32, 2.0, 125.0, 'normalized_log')(sample)
    head = NormalizedLogDepthHead(in_channels=4, d_min=2.0, d_max=125.0)
    decoded = head.predict(sample['depth_nlog'][None])[0]
    assert torch.isnan(sample['depth_nlog'][0, 0, 0])  # no ground truth
    assert torch.allclose(decoded[..., 1:], depth[..., 1:], rtol=1e-5)
    bins = DepthIntervalHead(in_channels=4, num_bins=32, d_min=2.0, d_max=125.0)
    assert torch.equal(sample['depth_bins'], bins.binning.encode(depth)[0])
    assert sample['depth_bins'][0, 0] == 255
