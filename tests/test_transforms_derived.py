"""Derived targets (intervals, normals, contours, normalised log depth) and photometric
transforms, checked against hand-computed values."""
import math

import numpy as np
import pytest
import torch

from mtl.registry import TRANSFORMS
from mtl.structures import TARGET_SPECS

K = np.array([[100.0, 0, 3.5], [0, 110.0, 2.5], [0, 0, 1]])


def image(height=6, width=8, value=0):
    return torch.full((3, height, width), value, dtype=torch.uint8)


def plane_depth(normal, distance, height=6, width=8, intrinsics=K):
    """Depth of the plane n·P = −distance (n faces the camera) seen through K."""
    n = torch.tensor(normal, dtype=torch.float64)
    n = n / n.norm()
    v, u = torch.meshgrid(torch.arange(float(height)), torch.arange(float(width)), indexing='ij')
    pixels = torch.stack((u, v, torch.ones_like(u))).double()
    rays = torch.einsum('ij,jhw->ihw', torch.from_numpy(np.linalg.inv(intrinsics)), pixels)
    return (-distance / torch.einsum('i,ihw->hw', n, rays)).float()[None], n.float()


def normals_of(depth, **meta):
    sample = dict(img=image(*depth.shape[-2:]), depth=depth, meta=meta)
    return TRANSFORMS.build(dict(type='DepthToNormals'))(sample)['normals']


def test_normals_of_a_fronto_parallel_plane_face_the_camera():
    normals = normals_of(torch.full((1, 6, 8), 2.5), intrinsics=K)
    assert torch.allclose(normals[:, 1:-1, 1:-1], torch.tensor([0., 0, -1])[:, None, None])
    assert normals[:, 0].abs().sum() == 0 and normals[:, :, -1].abs().sum() == 0  # border


@pytest.mark.parametrize('normal', [(0.4, -0.3, -1.0), (-0.7, 0.2, -0.5)])
def test_normals_of_a_tilted_plane_match_the_analytic_normal(normal):
    depth, n = plane_depth(normal, distance=3.0)
    normals = normals_of(depth, intrinsics=K)
    assert (normals[:, 1:-1, 1:-1] - n[:, None, None]).abs().max() < 1e-3


def test_normals_are_invalid_next_to_invalid_depth():
    depth = torch.full((1, 6, 8), 2.0)
    depth[0, 3, 4] = 0
    depth[0, 1, 1] = float('nan')
    valid = normals_of(depth, intrinsics=K).abs().sum(0) > 0
    for v, u in [(3, 4), (2, 4), (4, 4), (3, 3), (3, 5), (1, 1), (1, 2), (2, 1)]:
        assert not valid[v, u], (v, u)
    assert valid[2, 3] and valid[4, 6] and valid[2, 2]


def test_normals_need_intrinsics_and_respect_overwrite():
    with pytest.raises(KeyError, match='meta\\["intrinsics"\\]'):
        normals_of(torch.ones(1, 6, 8), sample_id='a')
    given = torch.zeros(3, 6, 8)
    sample = dict(img=image(), depth=torch.ones(1, 6, 8), normals=given, meta=dict(intrinsics=K))
    kept = TRANSFORMS.build(dict(type='DepthToNormals'))(sample)
    assert kept['normals'] is given
    redone = TRANSFORMS.build(dict(type='DepthToNormals', overwrite=True))(sample)
    assert redone['normals'][2, 3, 3] == -1


def test_contours_of_two_regions():
    seg = torch.tensor([[1, 1, 1, 2, 2, 2]] * 3)
    seg[2, 0] = 255
    out = TRANSFORMS.build(dict(type='SegToContours'))(dict(img=image(3, 6), seg=seg))
    assert out['contours'].dtype == torch.uint8
    assert out['contours'][0].tolist() == [[0, 0, 1, 1, 0, 0],
                                           [0, 0, 1, 1, 0, 0],
                                           [255, 0, 1, 1, 0, 0]]
    wide = TRANSFORMS.build(dict(type='SegToContours', width=2))(dict(img=image(3, 6), seg=seg))
    assert wide['contours'][0, 0].tolist() == [0, 1, 1, 1, 1, 0]


def test_depth_intervals_uniform_and_log():
    depth = torch.tensor([[[1.5, 2.5, 4.9, 7.0, 0.5, 0.0, float('nan')]]])
    sample = dict(img=image(1, 7), depth=depth)
    uniform = TRANSFORMS.build(dict(type='DepthToIntervals', num_bins=4, d_min=1, d_max=5,
                                    spacing='uniform'))(sample)
    assert uniform['depth_bins'].tolist() == [[0, 1, 3, 3, 0, 255, 255]]
    assert uniform['depth_bins'].dtype == torch.int64
    log = TRANSFORMS.build(dict(type='DepthToIntervals', num_bins=4, d_min=1, d_max=16))(
        dict(sample, depth=torch.tensor([[[1.5, 3.0, 5.0, 9.0]]]), img=image(1, 4)))
    assert log['depth_bins'].tolist() == [[0, 1, 2, 3]]  # edges 1, 2, 4, 8, 16


def test_normalized_log_depth_is_multidepth_eq2_with_nan_for_invalid():
    assert TARGET_SPECS['depth_nlog'].kind == 'scalar'
    depth = torch.tensor([[[2.0, 125.0, 1.0, 1 + math.e, 0.0]]])
    nlog = dict(type='DepthToNormalizedLog', d_min=2.0, d_max=125.0)
    out = TRANSFORMS.build(nlog)(dict(img=image(1, 5), depth=depth))
    value = out['depth_nlog'][0, 0]
    assert value[:3].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert float(value[3]) == pytest.approx(1 / math.log(124))
    assert math.isnan(float(value[4]))
    moved = TRANSFORMS.build(dict(type='RandomCrop', size=(1, 2)))(out)
    assert moved['depth_nlog'].shape == (1, 1, 2)


def test_color_jitter_multiplies_each_channel_and_clips(monkeypatch):
    monkeypatch.setattr(torch, 'rand', lambda *size: torch.tensor([0.0, 0.0, 0.5, 1.0]))
    img = torch.tensor([100, 250], dtype=torch.uint8)[None, None].repeat(3, 1, 1)
    sample = dict(img=img, depth=torch.ones(1, 1, 2))
    out = TRANSFORMS.build(dict(type='ColorJitter', range=(0.8, 1.2)))(sample)
    assert out['img'][:, 0].tolist() == [[80, 200], [100, 250], [120, 255]]
    assert out['depth'] is sample['depth']
    skipped = TRANSFORMS.build(dict(type='ColorJitter', prob=0.0))(sample)
    assert torch.equal(skipped['img'], img)


def test_contrast_scales_about_the_mean_and_brightness_shifts(monkeypatch):
    monkeypatch.setattr(torch, 'rand', lambda *size: torch.tensor([0.0, 1.0]))
    img = torch.tensor([50, 100, 150], dtype=torch.uint8)[None, None].repeat(3, 1, 1)
    out = TRANSFORMS.build(dict(type='RandomContrast', range=(0.5, 2.0)))(dict(img=img))
    assert out['img'][0, 0].tolist() == [0, 100, 200]  # mean 100, factor 2
    brighter = TRANSFORMS.build(dict(type='RandomBrightness', delta=20))(dict(img=img))
    assert brighter['img'][0, 0].tolist() == [70, 120, 170]


def test_depth_derived_targets_block_a_later_rescale():
    sample = dict(img=image(), depth=torch.ones(1, 6, 8))
    nlog = TRANSFORMS.build(dict(type='DepthToNormalizedLog', d_min=2.0, d_max=125.0))(sample)
    with pytest.raises(ValueError, match=r"\['depth_nlog'\] would no longer match"):
        TRANSFORMS.build(dict(type='RandomScaleCrop'))(nlog)


def test_depth_to_intervals_matches_a_head_built_with_the_same_clipping_planes():
    """MultiDepth Sec. 3.3: intervals span the clipping planes [4, 60] m inside the
    normalisation range [2, 125] m; encoding a bin centre gives back that bin."""
    from mtl.utils.depth_space import DepthBinning
    transform = TRANSFORMS.build(dict(type='DepthToIntervals', num_bins=8, d_min=4.0, d_max=60.0,
                                      spacing='normalized_log', norm_range=(2.0, 125.0)))
    centres = DepthBinning(8, 4.0, 60.0, 'normalized_log', norm_range=(2.0, 125.0)).centers()
    sample = {'img': torch.zeros(3, 1, 8, dtype=torch.uint8), 'depth': centres.view(1, 1, 8)}
    assert transform(sample)['depth_bins'].tolist() == [list(range(8))]
