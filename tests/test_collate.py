"""mtl_collate: stacking, invalid-value filling for missing targets, size checks."""
import math

import pytest
import torch

from mtl.datasets.collate import mtl_collate
from mtl.registry import FUNCTIONS
from mtl.structures import TARGET_SPECS, TargetSpec


def full_sample(value=1):
    return {'img': torch.full((3, 2, 3), value, dtype=torch.uint8),
            'depth': torch.full((1, 2, 3), 2.5),
            'seg': torch.full((2, 3), 4, dtype=torch.int64),
            'normals': torch.tensor([0.0, 0.0, -1.0]).view(3, 1, 1).expand(3, 2, 3).clone(),
            'contours': torch.ones(1, 2, 3, dtype=torch.uint8),
            'depth_bins': torch.full((2, 3), 7, dtype=torch.int64),
            'meta': {'sample_id': f'id{value}'}}


def test_registered_under_functions():
    assert FUNCTIONS.get('mtl_collate') is mtl_collate


def test_stacks_images_and_targets_and_keeps_meta_as_a_list():
    batch = mtl_collate([full_sample(1), full_sample(2)])
    assert batch['img'].shape == (2, 3, 2, 3) and batch['img'].dtype == torch.uint8
    assert batch['img'][1].unique().tolist() == [2]
    assert batch['depth'].shape == (2, 1, 2, 3) and batch['seg'].shape == (2, 2, 3)
    assert batch['normals'].shape == (2, 3, 2, 3) and batch['contours'].shape == (2, 1, 2, 3)
    assert batch['meta'] == [{'sample_id': 'id1'}, {'sample_id': 'id2'}]


def test_missing_targets_are_filled_with_their_invalid_value():
    bare = {'img': torch.zeros(3, 2, 3, dtype=torch.uint8)}  # no targets, no meta
    batch = mtl_collate([full_sample(), bare])
    assert batch['meta'][1] == {}
    assert torch.equal(batch['depth'][1], torch.zeros(1, 2, 3))                    # depth: 0
    assert torch.equal(batch['seg'][1], torch.full((2, 3), 255))                   # labels: 255
    assert batch['seg'].dtype == torch.int64
    assert torch.equal(batch['normals'][1], torch.zeros(3, 2, 3))                  # vector: 0
    assert torch.equal(batch['contours'][1], torch.full((1, 2, 3), 255, dtype=torch.uint8))
    assert torch.equal(batch['depth_bins'][1], torch.full((2, 3), 255))
    # the sample that has the targets is untouched
    assert batch['depth'][0].unique().tolist() == [2.5] and batch['seg'][0].unique().tolist() == [4]


def test_scalar_targets_fill_with_nan_and_unknown_keys_with_zero(monkeypatch):
    monkeypatch.setitem(TARGET_SPECS, 'depth_log', TargetSpec('scalar', torch.float32, 1))
    first = {'img': torch.zeros(3, 2, 2, dtype=torch.uint8), 'depth_log': torch.zeros(1, 2, 2),
             'custom': torch.ones(2, 2)}
    second = {'img': torch.zeros(3, 2, 2, dtype=torch.uint8)}
    batch = mtl_collate([first, second])
    assert all(math.isnan(v) for v in batch['depth_log'][1].flatten().tolist())
    assert batch['custom'][1].tolist() == [[0, 0], [0, 0]]


def test_images_of_different_sizes_are_an_error():
    small = {'img': torch.zeros(3, 2, 2, dtype=torch.uint8)}
    large = {'img': torch.zeros(3, 4, 4, dtype=torch.uint8)}
    with pytest.raises(ValueError, match=r'must share a size.*\(3, 2, 2\), \(3, 4, 4\).*Resize'):
        mtl_collate([small, large])
    with pytest.raises(ValueError, match='empty batch'):
        mtl_collate([])


def test_targets_of_different_sizes_are_an_error():
    first = {'img': torch.zeros(3, 2, 2, dtype=torch.uint8), 'depth': torch.ones(1, 2, 2)}
    second = {'img': torch.zeros(3, 2, 2, dtype=torch.uint8), 'depth': torch.ones(1, 4, 4)}
    with pytest.raises(ValueError, match=r'Target "depth" has different shapes.*\(1, 4, 4\)'):
        mtl_collate([first, second])
