"""Depth discretisation: uniform, log and MultiDepth's normalised log spacing (Eq. 2)."""
import math

import pytest
import torch

from mtl.utils.depth_space import DepthBinning, from_normalized_log, normalized_log_depth

R2 = math.sqrt(2)
NAN = float('nan')


def test_uniform_spacing():
    binning = DepthBinning(4, 1.0, 5.0, 'uniform')  # edges 1, 2, 3, 4, 5
    assert binning.centers().tolist() == pytest.approx([1.5, 2.5, 3.5, 4.5])
    depth = torch.tensor([1.2, 2.5, 4.99, 7.0, 0.5])
    # out-of-range depths fall into the first or last interval
    assert binning.encode(depth).tolist() == [0, 1, 3, 3, 0]
    assert binning.decode(torch.tensor([0, 3, 2])).tolist() == pytest.approx([1.5, 4.5, 3.5])


def test_log_spacing():
    binning = DepthBinning(4, 1.0, 16.0, 'log')  # equal widths ln 2 in ln d: edges 1, 2, 4, 8, 16
    assert binning.centers().tolist() == pytest.approx([R2, 2 * R2, 4 * R2, 8 * R2])
    assert binning.encode(torch.tensor([1.5, 3.0, 5.0, 15.0, 100.0])).tolist() == [0, 1, 2, 3, 3]
    decoded = binning.decode(torch.tensor([[2, 1]]))
    assert decoded.shape == (1, 2) and decoded[0].tolist() == pytest.approx([4 * R2, 2 * R2])


def test_normalized_log_spacing():
    # d_log = ln(d − 2 + 1) / ln(9 − 2 + 1) = ln(d − 1) / ln 8; 3 bins of width 1/3
    # edges at d − 1 = 8^0, 8^(1/3), 8^(2/3), 8^1 = 1, 2, 4, 8 -> d = 2, 3, 5, 9
    binning = DepthBinning(3, 2.0, 9.0, 'normalized_log')
    # centres at d_log = 1/6, 1/2, 5/6 -> d − 1 = √2, 2√2, 4√2
    assert binning.centers().tolist() == pytest.approx([1 + R2, 1 + 2 * R2, 1 + 4 * R2], rel=1e-6)
    assert binning.encode(torch.tensor([2.5, 3.5, 4.9, 5.1, 8.0, 1.0])).tolist() == [0, 1, 1, 2, 2, 0]


@pytest.mark.parametrize('spacing', ['uniform', 'log', 'normalized_log'])
def test_invalid_depth_encodes_to_255(spacing):
    binning = DepthBinning(8, 0.5, 10.0, spacing)
    depth = torch.tensor([[NAN, 0.0], [-1.0, 2.0]]).view(1, 2, 2)
    bins = binning.encode(depth)
    assert bins.dtype == torch.int64 and bins.shape == (1, 2, 2)
    assert bins[0, 0].tolist() == [255, 255] and bins[0, 1, 0] == 255 and bins[0, 1, 1] < 8


@pytest.mark.parametrize('spacing', ['uniform', 'log', 'normalized_log'])
def test_decoding_an_encoded_depth_lands_in_the_same_interval(spacing):
    binning = DepthBinning(16, 0.5, 10.0, spacing)
    depth = torch.linspace(0.6, 9.9, 50)
    bins = binning.encode(depth)
    assert torch.equal(binning.encode(binning.decode(bins)), bins)


def test_normalized_log_depth_values_and_round_trip():
    depth = torch.tensor([2.0, 3.0, 5.0, 9.0, 1.0])
    # ln(d − 1) / ln 8: 0, 1/3, 2/3, 1; below d_min clamps to 0
    d_log = normalized_log_depth(depth, 2.0, 9.0)
    assert d_log.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1, 0], abs=1e-6)
    assert from_normalized_log(d_log[:4], 2.0, 9.0).tolist() == pytest.approx([2, 3, 5, 9], rel=1e-6)
    inside = torch.linspace(2.0, 80.0, 20)
    assert torch.allclose(from_normalized_log(normalized_log_depth(inside, 2.0, 80.0), 2.0, 80.0),
                          inside, rtol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match='spacing must be one of'):
        DepthBinning(4, 1.0, 16.0, 'sqrt')
    with pytest.raises(ValueError, match='need 0 < d_min < d_max'):
        DepthBinning(4, 16.0, 1.0)
    with pytest.raises(ValueError, match='need 0 < d_min < d_max'):
        DepthBinning(4, 0.0, 1.0, 'log')
    with pytest.raises(ValueError, match='num_bins must be at least 2'):
        DepthBinning(1, 1.0, 16.0)
