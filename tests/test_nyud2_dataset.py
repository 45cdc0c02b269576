"""NYUDv2Dataset reading the original release (tiny .mat, tiny splits.mat, the real mappings)."""
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from nyud2_fixtures import HEIGHT, WIDTH, make_frames, make_nyu_root, write_splits

from mtl.datasets.nyud2 import NYUDv2Dataset
from mtl.registry import DATASETS, TRANSFORMS


@pytest.fixture(scope='module')
def template(tmp_path_factory):
    from conftest import SHARED_DATA
    if not SHARED_DATA.is_dir():
        pytest.skip(f'real dataset files not found at {SHARED_DATA}; set MTL_SHARED_DATA')
    return make_nyu_root(tmp_path_factory.mktemp('nyud2'), SHARED_DATA)


@pytest.fixture
def root(tmp_path, template):
    return Path(shutil.copytree(template, tmp_path / 'nyud2'))


def test_sample_follows_the_contract(root):
    ds = NYUDv2Dataset(data_root=root, split='train', pipeline=[])
    sample = ds[3]  # train frames are 0, 1, 2, 4 (splits 1, 2, 3, 5)
    assert set(sample) == {'img', 'depth', 'seg', 'meta'}
    img, depth, seg = sample['img'], sample['depth'], sample['seg']
    assert img.dtype == torch.uint8 and img.shape == (3, HEIGHT, WIDTH)
    assert img[:, 3, 11].tolist() == [4, 103, 161]  # frame 4, y = 3, x = 11
    assert depth.dtype == torch.float32 and depth.shape == (1, HEIGHT, WIDTH)
    assert depth[0, 5, 7].item() == pytest.approx(1 + 4 + 0.5 + 0.07)
    assert seg.dtype == torch.int64 and seg.shape == (HEIGHT, WIDTH)
    meta = sample['meta']
    assert meta['sample_id'] == '00004' and meta['frame_index'] == 4
    assert meta['scene'] == 'bathroom_0004' and meta['ori_shape'] == (HEIGHT, WIDTH)
    assert meta['intrinsics'].shape == (3, 3) and meta['intrinsics'].dtype == np.float64
    assert meta['intrinsics'][0, 0] == pytest.approx(518.8579 * WIDTH / 640)


@pytest.mark.parametrize('num_classes, row', [
    # raw labels along x: 0, 1, 2, 3, 4, 5 (see the mapping test in test_nyud2_meta.py)
    (40, [255, 39, 39, 2, 21, 4]),
    (13, [255, 6, 6, 5, 2, 3]),
    (4, [255, 3, 3, 2, 1, 2]),
])
def test_labels_are_mapped_with_the_real_files(root, num_classes, row):
    ds = NYUDv2Dataset(data_root=root, split='test', num_classes=num_classes)
    seg = ds[0]['seg']
    assert seg[0, :6].tolist() == row
    assert seg[-1, -1].item() == ds.lut[894]
    assert ds.metainfo['num_classes'] == num_classes == len(ds.metainfo['classes'])


def test_raw_depth_keeps_its_zeros_invalid(root):
    filled = NYUDv2Dataset(data_root=root, split='test', depth_type='filled')[1]['depth']
    raw = NYUDv2Dataset(data_root=root, split='test', depth_type='raw')[1]['depth']
    assert (filled > 0).all()
    assert (raw[0, 0] == 0).all() and torch.equal(raw[0, 1:], filled[0, 1:])


def test_splits_and_the_validation_carving(root):
    def ids(**kwargs):
        return NYUDv2Dataset(data_root=root, **kwargs).source.ids
    assert ids(split='train') == ['00000', '00001', '00002', '00004']
    assert ids(split='test') == ['00003', '00005']
    # train scenes sorted: bathroom_0004, bedroom_0002, kitchen_0001 → the first is val
    assert ids(split='val') == ['00004']
    assert ids(split='train', val_from_train=True) == ['00000', '00001', '00002']


def test_metainfo(root):
    # the dataset's values, as its base config states them once
    config = Path(__file__).resolve().parents[1] / 'configs/_base_/datasets/nyud2_40c.py'
    meta = NYUDv2Dataset(data_root=root, split='val',
                         metainfo=Config.fromfile(config).metainfo).metainfo
    assert meta['classes'][:3] == ('wall', 'floor', 'cabinet')
    assert meta['ignore_index'] == 255 and meta['depth_range'] == (1e-3, 10.0)
    assert meta['targets'] == ('depth', 'seg') and meta['layout'] == 'mat'
    assert len(meta['palette']) == 40


def test_built_from_the_registry_with_a_pipeline(root):
    @TRANSFORMS.register_module(name='_NYUTestScaleDepth', force=True)
    class ScaleDepth:
        def __init__(self, factor: float):
            self.factor = factor

        def __call__(self, sample):
            sample['depth'] = sample['depth'] * self.factor
            return sample

    ds = DATASETS.build(dict(type='NYUDv2Dataset', data_root=str(root), split='test',
                             pipeline=[dict(type='_NYUTestScaleDepth', factor=2.0)]))
    plain = NYUDv2Dataset(data_root=root, split='test')
    assert torch.allclose(ds[0]['depth'], 2 * plain[0]['depth'])


def test_dataloader_workers_open_their_own_file(root):
    ds = NYUDv2Dataset(data_root=root, split='train')
    direct = [ds[i]['img'] for i in range(len(ds))]  # the parent process opens the file
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2,
                                         multiprocessing_context='fork')
    loaded = [sample['img'] for sample in loader]
    assert all(torch.equal(a, b) for a, b in zip(direct, loaded))
    clone = pickle.loads(pickle.dumps(ds))
    assert torch.equal(clone[1]['seg'], ds[1]['seg'])


def test_index_out_of_range(root):
    ds = NYUDv2Dataset(data_root=root, split='test')
    assert torch.equal(ds[-1]['img'], ds[1]['img'])
    with pytest.raises(IndexError, match='index 2 is out of range for the 2 samples'):
        ds[2]


def test_missing_data_root_points_to_the_docs(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'data_root .* does not exist.*docs/datasets.md'):
        NYUDv2Dataset(data_root=tmp_path / 'nowhere')


def test_auto_layout_lists_what_it_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'no known layout .*manifest.json.*'
                                                r'nyu_depth_v2_labeled.mat.*gt_sets.*'
                                                r'_files_with_gt.txt.*docs/datasets.md'):
        NYUDv2Dataset(data_root=tmp_path)


@pytest.mark.parametrize('name, kwargs, match', [
    ('splits.mat', {}, r'splits.mat not found .*horatio'),
    ('classMapping40.mat', {}, r'classMapping40.mat not found .*ankurhanda'),
    ('class13Mapping.mat', {'num_classes': 13}, r'class13Mapping.mat not found'),
])
def test_missing_small_files_are_named(root, name, kwargs, match):
    (root / name).unlink()
    with pytest.raises(FileNotFoundError, match=match):
        NYUDv2Dataset(data_root=root, **kwargs)


def test_splits_out_of_range_for_the_file(root):
    write_splits(root / 'splits.mat', train=[1, 2, 7], test=[3])
    with pytest.raises(IndexError, match='index 7, out of range for the 6 frames'):
        NYUDv2Dataset(data_root=root)


@pytest.mark.parametrize('kwargs, match', [
    ({'split': 'dev'}, 'split must be one of'),
    ({'layout': 'png'}, 'layout must be one of'),
    ({'depth_type': 'dense'}, 'depth_type must be one of'),
    ({'num_classes': 37}, 'num_classes must be 4, 13 or 40'),
])
def test_bad_arguments(root, kwargs, match):
    with pytest.raises(ValueError, match=match):
        NYUDv2Dataset(data_root=root, **kwargs)


@pytest.mark.parametrize('value, match', [(np.nan, '1 NaN/inf'), (-0.5, '1 negative')])
def test_bad_depth_names_the_sample(tmp_path, shared_data, value, match):
    frames = make_frames()
    frames['depths'][1, 2, 3] = value
    root = make_nyu_root(tmp_path / 'nyud2', shared_data, frames)
    ds = NYUDv2Dataset(data_root=root, split='train')
    ds[0]
    with pytest.raises(ValueError, match=f'sample 00001 in .*nyu_depth_v2_labeled.mat: .*{match}'):
        ds[1]


def test_label_beyond_894_names_the_sample(tmp_path, shared_data):
    frames = make_frames()
    frames['labels'][0, 0, 0] = 900
    root = make_nyu_root(tmp_path / 'nyud2', shared_data, frames)
    with pytest.raises(ValueError, match='sample 00000: label 900 is beyond the 894'):
        NYUDv2Dataset(data_root=root)[0]


def test_raw_depth_requested_from_a_file_without_it(tmp_path, shared_data):
    root = make_nyu_root(tmp_path / 'nyud2', shared_data, drop=('rawDepths',))
    assert 'depth' in NYUDv2Dataset(data_root=root)[0]
    with pytest.raises(ValueError, match='no "rawDepths"; use depth_type="filled"'):
        NYUDv2Dataset(data_root=root, depth_type='raw')


def test_val_needs_scene_names(tmp_path, shared_data):
    root = make_nyu_root(tmp_path / 'nyud2', shared_data, drop=('scenes',))
    assert len(NYUDv2Dataset(data_root=root, split='train')) == 4
    with pytest.raises(ValueError, match='carved by scene'):
        NYUDv2Dataset(data_root=root, split='val')


def test_wrong_mat_in_data_root(root, shared_data):
    shutil.copyfile(shared_data / 'nyudv2' / 'classMapping40.mat',
                    root / 'nyu_depth_v2_labeled.mat')
    with pytest.raises(ValueError, match='MATLAB v5 .mat file'):
        NYUDv2Dataset(data_root=root)
