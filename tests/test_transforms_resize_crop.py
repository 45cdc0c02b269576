"""Resize, crops, sample validation, absent keys and registry names of the transforms."""
import numpy as np
import pytest
import torch

from mtl.registry import TRANSFORMS

K = np.array([[50., 0, 1.25], [0, 60., 0.75], [0, 0, 1]])


def make_sample(height=4, width=4):
    depth = torch.arange(1, height * width + 1, dtype=torch.float32).reshape(1, height, width)
    normals = torch.zeros(3, height, width)
    normals[2] = -1
    return dict(img=(depth * 10).to(torch.uint8).repeat(3, 1, 1), depth=depth,
                seg=depth[0].long(), normals=normals, meta=dict(intrinsics=K.copy()))


def test_resize_by_half_picks_pixels_and_keeps_depth_values():
    sample = make_sample()
    out = TRANSFORMS.build(dict(type='Resize', scale=0.5))(sample)
    # nearest with aligned pixel areas: output i reads input ⌊(i + 0.5)·2⌋ = 2i + 1
    assert torch.equal(out['depth'], sample['depth'][:, 1::2, 1::2])
    assert torch.equal(out['seg'], sample['seg'][1::2, 1::2])
    assert torch.equal(out['normals'], sample['normals'][:, ::2, ::2])
    assert out['img'].shape == (3, 2, 2) and out['img'].dtype == torch.uint8
    Kr = out['meta']['intrinsics']
    assert Kr[0, 0] == 25 and Kr[1, 1] == 30
    assert Kr[0, 2] == pytest.approx(0.5 * (1.25 + 0.5) - 0.5)


def test_resize_up_replicates_and_bilinear_image_keeps_constants():
    sample = make_sample(2, 2)
    sample['img'] = torch.full((3, 2, 2), 77, dtype=torch.uint8)
    out = TRANSFORMS.build(dict(type='Resize', size=(4, 6)))(sample)
    assert out['depth'][0].tolist() == [[1, 1, 1, 2, 2, 2]] * 2 + [[3, 3, 3, 4, 4, 4]] * 2
    assert (out['img'] == 77).all()
    assert out['meta']['intrinsics'][0, 0] == 150 and out['meta']['intrinsics'][1, 1] == 120


def test_resize_image_only_and_keep_ratio():
    sample = make_sample(4, 8)
    out = TRANSFORMS.build(dict(type='Resize', scale=0.5, img_only=True))(sample)
    assert out['img'].shape == (3, 2, 4)
    assert out['depth'] is sample['depth'] and out['seg'] is sample['seg']
    assert out['meta']['img_scale'] == (0.5, 0.5)
    assert np.array_equal(out['meta']['intrinsics'], K)
    bounded = TRANSFORMS.build(dict(type='Resize', size=(3, 3), keep_ratio=True))(sample)
    assert bounded['img'].shape == (3, 2, 3) and bounded['depth'].shape == (1, 2, 3)
    with pytest.raises(ValueError, match='exactly one of size and scale'):
        TRANSFORMS.build(dict(type='Resize', size=(2, 2), scale=0.5))


def test_fixed_center_and_random_crops_shift_the_principal_point(monkeypatch):
    sample = make_sample(4, 5)
    out = TRANSFORMS.build(dict(type='Crop', box=(1, 2, 3, 5)))(sample)
    assert torch.equal(out['depth'], sample['depth'][:, 1:3, 2:5])
    assert out['meta']['intrinsics'][0, 2] == pytest.approx(1.25 - 2)
    assert out['meta']['intrinsics'][1, 2] == pytest.approx(0.75 - 1)
    centre = TRANSFORMS.build(dict(type='CenterCrop', size=(2, 2)))(sample)
    assert torch.equal(centre['seg'], sample['seg'][1:3, 1:3])
    monkeypatch.setattr(torch, 'rand', lambda *size: torch.tensor([0.99, 0.0]))
    random = TRANSFORMS.build(dict(type='RandomCrop', size=(3, 3)))(sample)
    assert torch.equal(random['normals'], sample['normals'][:, 1:4, 0:3])
    assert random['meta']['intrinsics'][1, 2] == pytest.approx(0.75 - 1)


@pytest.mark.parametrize('cfg,match', [
    (dict(type='Crop', box=(0, 0, 5, 5)), r'do not fit in the 4×5 image'),
    (dict(type='CenterCrop', size=(5, 2)), r'crop size 5×2 is larger than the 4×5 image'),
    (dict(type='RandomCrop', size=(2, 6)), r'crop size 2×6 is larger than the 4×5 image'),
])
def test_crop_larger_than_the_image_is_refused(cfg, match):
    with pytest.raises(ValueError, match=match):
        TRANSFORMS.build(cfg)(make_sample(4, 5))


ALL = [dict(type='RandomHorizontalFlip', prob=1.0), dict(type='RandomScaleCrop'),
       dict(type='RandomRotation'), dict(type='RandomTranslation', max_shift=1),
       dict(type='Resize', scale=2.0), dict(type='Resize', scale=0.5, img_only=True),
       dict(type='Crop', box=(0, 0, 2, 2)), dict(type='CenterCrop', size=2),
       dict(type='RandomCrop', size=(2, 3)), dict(type='ColorJitter'),
       dict(type='RandomContrast'), dict(type='RandomBrightness'),
       dict(type='DepthToIntervals', num_bins=4, d_min=1, d_max=10),
       dict(type='DepthToNormals'), dict(type='SegToContours'),
       dict(type='DepthToNormalizedLog', d_min=2.0, d_max=125.0)]


@pytest.mark.parametrize('cfg', ALL, ids=lambda c: c['type'])
def test_absent_targets_stay_absent(cfg):
    sample = dict(img=torch.zeros(3, 4, 4, dtype=torch.uint8), meta=dict(sample_id='x'))
    out = TRANSFORMS.build(cfg)(sample)
    assert set(out) == {'img', 'meta'} and 'intrinsics' not in out['meta']


@pytest.mark.parametrize('cfg', ALL, ids=lambda c: c['type'])
def test_every_transform_needs_an_image(cfg):
    with pytest.raises(KeyError, match=f'{cfg["type"]}: the sample has no "img"'):
        TRANSFORMS.build(cfg)(dict(depth=torch.ones(1, 4, 4)))


NO_DEPTH_READ = ('ColorJitter', 'RandomContrast', 'RandomBrightness', 'SegToContours')


@pytest.mark.parametrize('cfg', [c for c in ALL if c['type'] not in NO_DEPTH_READ],
                         ids=lambda c: c['type'])
def test_wrong_shaped_depth_is_named(cfg):
    sample = make_sample(4, 5)
    sample['depth'] = torch.ones(3, 4, 5)
    with pytest.raises(ValueError, match=r'target "depth" has shape \(3, 4, 5\); expected 1×'):
        TRANSFORMS.build(cfg)(sample)


def test_target_size_must_match_the_image_and_be_declared():
    sample = make_sample(4, 5)
    flip = TRANSFORMS.build(dict(type='RandomHorizontalFlip'))
    with pytest.raises(ValueError, match=r'"seg" has shape \(4, 4\); expected 4×5 \(the size'):
        flip(dict(sample, seg=torch.zeros(4, 4, dtype=torch.long)))
    with pytest.raises(KeyError, match='"edges".*register_target'):
        flip(dict(sample, edges=torch.zeros(1, 4, 5)))
    with pytest.raises(ValueError, match='uint8 tensor of shape 3×H×W'):
        flip(dict(sample, img=torch.zeros(4, 5, 3, dtype=torch.uint8)))
