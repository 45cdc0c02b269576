"""Random geometric transforms: flip, scale-crop, rotation, translation.

Random draws are forced by replacing ``torch.rand`` (every transform makes exactly one
``torch.rand(n)`` call), so each case is checked against hand-computed values.
"""
import math

import numpy as np
import pytest
import torch

from mtl.datasets.transforms.derived import depth_to_normals
from mtl.registry import TRANSFORMS

SQRT2 = math.sqrt(2)


def force_rand(monkeypatch, *values):
    """Make the next ``torch.rand(n)`` calls return ``values``."""
    monkeypatch.setattr(torch, 'rand', lambda *size, **kw: torch.tensor(values).reshape(*size))


def make_sample(height=3, width=4, normal=(1.0, 0.0, -1.0)):
    """A sample whose every map has distinct, position-coding values."""
    depth = torch.arange(1, height * width + 1, dtype=torch.float32).reshape(1, height, width)
    normals = torch.tensor(normal, dtype=torch.float32)
    normals = (normals / normals.norm())[:, None, None].repeat(1, height, width)
    return dict(img=(depth * 10).to(torch.uint8).repeat(3, 1, 1), depth=depth,
                seg=depth[0].long(), normals=normals,
                contours=(depth.long() % 2).to(torch.uint8),
                meta=dict(sample_id='s', intrinsics=np.array([[50., 0, 1.25], [0, 60., 0.75],
                                                              [0, 0, 1]])))


def test_flip_reverses_a_depth_row_and_negates_normal_x(monkeypatch):
    sample = make_sample(1, 3)
    force_rand(monkeypatch, 0.2)
    out = TRANSFORMS.build(dict(type='RandomHorizontalFlip', prob=0.5))(sample)
    assert out['depth'].tolist() == [[[3., 2., 1.]]]
    assert out['seg'].tolist() == [[3, 2, 1]]
    assert out['img'][0].tolist() == [[30, 20, 10]]
    assert torch.allclose(out['normals'][:, 0, 0], torch.tensor([-1 / SQRT2, 0, -1 / SQRT2]))
    assert out['meta']['intrinsics'][0, 2] == pytest.approx(3 - 1 - 1.25)
    assert sample['meta']['intrinsics'][0, 2] == 1.25  # the input is left untouched
    assert sample['depth'].tolist() == [[[1., 2., 3.]]]


def test_flip_not_drawn_leaves_the_sample(monkeypatch):
    sample = make_sample()
    force_rand(monkeypatch, 0.7)
    out = TRANSFORMS.build(dict(type='RandomHorizontalFlip', prob=0.5))(sample)
    assert torch.equal(out['depth'], sample['depth'])
    assert np.array_equal(out['meta']['intrinsics'], sample['meta']['intrinsics'])


def test_flip_twice_is_identity():
    sample = make_sample()
    flip = TRANSFORMS.build(dict(type='RandomHorizontalFlip', prob=1.0))
    twice = flip(flip(sample))
    for key in ('img', 'depth', 'seg', 'normals', 'contours'):
        assert torch.equal(twice[key], sample[key]), key
    assert np.allclose(twice['meta']['intrinsics'], sample['meta']['intrinsics'])


def test_scale_crop_doubles_the_grid_and_halves_depth(monkeypatch):
    sample = make_sample(3, 4)
    force_rand(monkeypatch, 0.0, 0.5, 0.5)  # top = ⌊0.5·(6−3+1)⌋ = 2, left = ⌊0.5·(8−4+1)⌋ = 2
    out = TRANSFORMS.build(dict(type='RandomScaleCrop', scale=(2.0, 2.0)))(sample)
    rows, cols = [1, 1, 2], [1, 1, 2, 2]  # source of scaled rows 2..4 and cols 2..5
    expected = sample['depth'][:, rows][:, :, cols]
    assert torch.equal(out['depth'], expected / 2)
    assert torch.equal(out['seg'], sample['seg'][rows][:, cols])
    assert torch.equal(out['normals'], sample['normals'][:, :3, :4])  # unchanged (constant)
    K = out['meta']['intrinsics']
    assert K[0, 0] == 100 and K[1, 1] == 120
    assert K[0, 2] == pytest.approx(2 * (1.25 + 0.5) - 0.5 - 2)
    assert K[1, 2] == pytest.approx(2 * (0.75 + 0.5) - 0.5 - 2)


def test_scale_crop_with_crop_size_and_errors(monkeypatch):
    sample = make_sample(4, 4)
    force_rand(monkeypatch, 0.0, 0.0, 0.0)
    out = TRANSFORMS.build(dict(type='RandomScaleCrop', scale=(1.5, 1.5), crop_size=(2, 3)))(sample)
    assert out['depth'].shape == (1, 2, 3) and out['img'].shape == (3, 2, 3)
    assert out['depth'][0, 0, 0] == pytest.approx(1 / 1.5)
    with pytest.raises(ValueError, match='larger than the 6×6 image'):
        TRANSFORMS.build(dict(type='RandomScaleCrop', scale=(1.5, 1.5), crop_size=(8, 3)))(sample)
    with pytest.raises(ValueError, match='depth_bins.*after RandomScaleCrop'):
        TRANSFORMS.build(dict(type='RandomScaleCrop'))(dict(sample, depth_bins=sample['seg']))
    with pytest.raises(ValueError, match='give crop_size'):
        TRANSFORMS.build(dict(type='RandomScaleCrop', scale=(0.5, 1.0)))


def test_scale_crop_draws_from_choices_and_pads_with_invalid_values(monkeypatch):
    sample = make_sample(4, 4)
    transform = TRANSFORMS.build(dict(type='RandomScaleCrop', choices=(0.5, 2.0),
                                      crop_size=(4, 4), pad=True))
    force_rand(monkeypatch, 0.2, 0.0, 0.0)  # ⌊0.2·2⌋ = 0: scale 0.5, 4×4 → 2×2, padded back
    out = transform(sample)
    assert out['img'].shape == (3, 4, 4) and out['depth'].shape == (1, 4, 4)
    assert torch.equal(out['depth'][0, :2, :2], sample['depth'][0, 1::2, 1::2] / 0.5)
    assert (out['depth'][0, 2:] == 0).all() and (out['depth'][0, :, 2:] == 0).all()
    assert (out['seg'][2:] == 255).all() and (out['contours'][0, :, 2:] == 255).all()
    assert (out['normals'][:, 2:] == 0).all() and (out['img'][:, 2:] == 0).all()
    force_rand(monkeypatch, 0.7, 0.0, 0.0)  # ⌊0.7·2⌋ = 1: scale 2
    assert torch.equal(transform(sample)['depth'], sample['depth'][:, :2].repeat_interleave(
        2, 1).repeat_interleave(2, 2)[:, :4, :4] / 2)
    with pytest.raises(ValueError, match='set pad=True'):
        force_rand(monkeypatch, 0.2, 0.0, 0.0)
        TRANSFORMS.build(dict(type='RandomScaleCrop', choices=(0.5,), crop_size=(4, 4)))(sample)


@pytest.mark.parametrize('draw,k', [(1.0, 1), (0.0, -1)])
def test_rotation_by_90_degrees_is_rot90(monkeypatch, draw, k):
    sample = make_sample(4, 4)
    force_rand(monkeypatch, draw)  # θ = (2·draw − 1)·90°
    out = TRANSFORMS.build(dict(type='RandomRotation', max_degrees=90))(sample)
    for key in ('img', 'depth', 'seg', 'contours'):
        assert torch.equal(out[key], torch.rot90(sample[key], k, dims=(-2, -1))), key
    # +90° turns content counter-clockwise: what faced right (+x) now faces up (−y).
    expected = torch.tensor([0, -k / SQRT2, -1 / SQRT2])
    assert torch.allclose(out['normals'], expected[:, None, None].expand(3, 4, 4), atol=1e-6)
    assert np.array_equal(out['meta']['intrinsics'], sample['meta']['intrinsics'])


def test_rotation_turns_normals_like_a_rolled_camera_sees_a_plane(monkeypatch):
    """Normals of the rotated depth of a tilted plane = the rotated normals."""
    size, h = 9, 2.0
    K = np.array([[8.0, 0, 4], [0, 8.0, 4], [0, 0, 1]])  # principal point at the centre
    n = torch.tensor([0.3, -0.5, -1.0], dtype=torch.float64)
    n = n / n.norm()
    v, u = torch.meshgrid(torch.arange(float(size)), torch.arange(float(size)),
                          indexing='ij')
    rays = torch.stack(((u - 4) / 8, (v - 4) / 8, torch.ones_like(u))).double()
    depth = (-h / torch.einsum('i,ihw->hw', n, rays)).float()[None]  # the plane n·P = −h
    normals = depth_to_normals(depth, K)
    sample = dict(img=torch.zeros(3, size, size, dtype=torch.uint8), depth=depth, normals=normals,
                  meta=dict(intrinsics=K))
    force_rand(monkeypatch, 1.0)
    out = TRANSFORMS.build(dict(type='RandomRotation', max_degrees=90))(sample)
    inner = (slice(None), slice(1, -1), slice(1, -1))
    assert torch.allclose(depth_to_normals(out['depth'], K)[inner], out['normals'][inner],
                          atol=1e-4)
    # +90°: (x, y, z) → (y, −x, z)
    assert torch.allclose(out['normals'][:, 4, 4], torch.stack((n[1], -n[0], n[2])).float(),
                          atol=1e-5)


def test_rotation_invalidates_pixels_from_outside(monkeypatch):
    sample = make_sample(9, 9)
    sample['img'] = torch.full((3, 9, 9), 200, dtype=torch.uint8)
    force_rand(monkeypatch, 0.75)  # θ = 45°: the corners come from outside the image
    out = TRANSFORMS.build(dict(type='RandomRotation', max_degrees=90))(sample)
    assert out['depth'][0, 0, 0] == 0 and out['seg'][0, 0] == 255
    assert out['contours'][0, 0, 0] == 255 and out['normals'][:, 0, 0].abs().sum() == 0
    assert out['img'][:, 0, 0].tolist() == [0, 0, 0] and out['img'][:, 4, 4].tolist() == [200] * 3
    assert out['depth'][0, 4, 4] == sample['depth'][0, 4, 4]  # the centre stays put
    c = math.cos(math.pi / 4)
    expected = torch.tensor([c / SQRT2, -c / SQRT2, -1 / SQRT2])  # (1, 0, −1)/√2 turned 45°
    assert torch.allclose(out['normals'][:, 4, 4], expected)


def test_translation_moves_content_and_invalidates_uncovered_pixels(monkeypatch):
    sample = make_sample(3, 4)
    force_rand(monkeypatch, 0.99, 0.0)  # dx = ⌊0.99·5⌋ − 2 = 2, dy = ⌊0·3⌋ − 1 = −1
    out = TRANSFORMS.build(dict(type='RandomTranslation', max_shift=(2, 1)))(sample)
    assert torch.equal(out['depth'][:, :2, 2:], sample['depth'][:, 1:, :2])
    assert torch.equal(out['seg'][:2, 2:], sample['seg'][1:, :2])
    assert (out['depth'][:, :, :2] == 0).all() and (out['depth'][:, 2] == 0).all()
    assert (out['seg'][:, :2] == 255).all() and (out['contours'][:, 2] == 255).all()
    assert out['normals'][:, 2].abs().sum() == 0 and (out['img'][:, :, :2] == 0).all()
    K = out['meta']['intrinsics']
    assert K[0, 2] == pytest.approx(1.25 + 2) and K[1, 2] == pytest.approx(0.75 - 1)


def test_same_seed_same_augmentation():
    pipeline = [TRANSFORMS.build(dict(type=t)) for t in
                ('RandomHorizontalFlip', 'RandomScaleCrop', 'RandomRotation', 'RandomTranslation')]

    def run(seed):
        torch.manual_seed(seed)
        sample = make_sample(12, 16)
        for transform in pipeline:
            sample = transform(sample)
        return sample
    a, b, c = run(3), run(3), run(4)
    assert torch.equal(a['depth'], b['depth']) and torch.equal(a['img'], b['img'])
    assert not np.array_equal(a['meta']['intrinsics'], c['meta']['intrinsics'])
