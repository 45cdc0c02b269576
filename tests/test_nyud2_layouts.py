"""The BTS and NYUD_MT layouts: the real BTS test list, and tiny trees in both formats."""
import shutil

import numpy as np
import pytest
import torch
from nyud2_fixtures import HEIGHT, WIDTH, make_bts_root, make_nyud_mt_root
from scipy.io import loadmat

from mtl.datasets.bts_list import read_bts_list
from mtl.datasets.nyud2.meta import nyu_intrinsics
from mtl.datasets.nyud2 import NYUDv2Dataset


def test_real_bts_test_list_is_the_official_test_split(shared_data):
    listed = read_bts_list(shared_data / 'nyudv2' / 'bts_nyudepthv2_test_files_with_gt.txt')
    entries = [(e.rgb_path, e.gt_path, e.focal) for e in listed]
    assert len(entries) == 654
    assert entries[0] == ('bathroom/rgb_00045.jpg', 'bathroom/sync_depth_00045.png', 518.8579)
    # BTS numbers the frames 0-based: they are testNdxs - 1 of splits.mat
    frames = sorted(int(rgb[-9:-4]) for rgb, _, _ in entries)
    test = loadmat(str(shared_data / 'nyudv2' / 'splits.mat'))['testNdxs'].ravel()
    assert frames == sorted((test - 1).tolist())


def test_bts_list_errors(tmp_path):
    bad = tmp_path / 'list.txt'
    bad.write_text('a.jpg b.png 518.8579\nc.jpg d.png\n')
    with pytest.raises(ValueError, match=r'list.txt, line 2: expected "rgb_path gt_path focal"'):
        read_bts_list(bad)
    bad.write_text('a.jpg b.png f\n')
    with pytest.raises(ValueError, match="focal length 'f' is not a number"):
        read_bts_list(bad)
    bad.write_text('\n')
    with pytest.raises(ValueError, match='lists no samples'):
        read_bts_list(bad)


def test_bts_layout_gives_depth_only(tmp_path):
    depth_mm = make_bts_root(tmp_path)
    ds = NYUDv2Dataset(data_root=tmp_path, split='test', pipeline=[])
    assert ds.layout == 'bts' and len(ds) == 3
    assert ds.metainfo['targets'] == ('depth',) and ds.metainfo['num_classes'] == 0
    sample = ds[2]
    assert set(sample) == {'img', 'depth', 'meta'}  # no labels in this layout: no 'seg'
    assert sample['img'].shape == (3, HEIGHT, WIDTH)
    assert abs(sample['img'][:, 5, 5].int() - torch.tensor([200, 100, 10])).max() <= 3  # JPEG
    assert sample['depth'][0, 3, 3].item() == pytest.approx(3.0)  # 3000 mm
    assert sample['depth'][0, 0, 0].item() == 0.0 and depth_mm['scene_0/rgb_00002.jpg'][0, 0] == 0
    meta = sample['meta']
    assert meta['sample_id'] == 'scene_0/rgb_00002' and meta['focal'] == 518.8579
    np.testing.assert_allclose(meta['intrinsics'], nyu_intrinsics(HEIGHT, WIDTH))


def test_bts_focal_from_the_list_scales_the_intrinsics(tmp_path):
    make_bts_root(tmp_path, count=1)
    path = tmp_path / 'nyudepthv2_test_files_with_gt.txt'
    path.write_text(path.read_text().replace('518.8579', '1037.7158'))
    intrinsics = NYUDv2Dataset(data_root=tmp_path, split='test')[0]['meta']['intrinsics']
    expected = nyu_intrinsics(HEIGHT, WIDTH)
    np.testing.assert_allclose(intrinsics[:2, :2], 2 * expected[:2, :2])
    np.testing.assert_allclose(intrinsics[:2, 2], expected[:2, 2])


def test_bts_train_list_under_sync_and_val_by_scene(tmp_path):
    make_bts_root(tmp_path, 'train_test_inputs/nyudepthv2_train_files_with_gt.txt', 'sync', 4)
    ds = NYUDv2Dataset(data_root=tmp_path, layout='bts', split='train')
    assert ds.source.base == tmp_path / 'sync' and len(ds) == 4
    val = NYUDv2Dataset(data_root=tmp_path, layout='bts', split='val')
    assert val.source.ids == ['scene_0/rgb_00000', 'scene_0/rgb_00002']  # first scene sorted


def test_bts_missing_depth_is_absent_not_faked(tmp_path):
    make_bts_root(tmp_path, count=2)
    path = tmp_path / 'nyudepthv2_test_files_with_gt.txt'
    lines = path.read_text().splitlines()
    path.write_text(lines[0].replace('scene_0/sync_depth_00000.png', 'None') + '\n' + lines[1])
    ds = NYUDv2Dataset(data_root=tmp_path, split='test')
    assert 'depth' not in ds[0] and 'depth' in ds[1]


def test_bts_errors_name_what_is_missing(tmp_path):
    make_bts_root(tmp_path, count=2)
    shutil.copyfile(tmp_path / 'nyudepthv2_test_files_with_gt.txt',
                    tmp_path / 'other_test_files_with_gt.txt')
    with pytest.raises(FileNotFoundError, match='expected one list file matching'):
        NYUDv2Dataset(data_root=tmp_path, split='test')
    kwargs = dict(data_root=tmp_path, split='test', list_file='other_test_files_with_gt.txt')
    with pytest.raises(FileNotFoundError, match=r'rgb_00000.jpg, is in none of .*nowhere'):
        NYUDv2Dataset(image_root='nowhere', **kwargs)
    (tmp_path / 'official_splits').rename(tmp_path / 'moved')
    with pytest.raises(FileNotFoundError, match=r'in none of .*official_splits/test.*sync'):
        NYUDv2Dataset(**kwargs)
    (tmp_path / 'moved').rename(tmp_path / 'official_splits')
    (tmp_path / 'official_splits' / 'test' / 'scene_1' / 'sync_depth_00001.png').unlink()
    with pytest.raises(FileNotFoundError, match='1 depth files are missing.*sync_depth_00001'):
        NYUDv2Dataset(**kwargs)


@pytest.fixture
def mt_root(tmp_path, shared_data):
    train = [f'{k:04d}' for k in range(12)]
    make_nyud_mt_root(tmp_path, train, ['0100', '0101'])
    shutil.copyfile(shared_data / 'nyudv2' / 'classMapping40.mat',
                    tmp_path / 'classMapping40.mat')
    return tmp_path


def test_nyud_mt_layout_gives_every_task(mt_root):
    ds = NYUDv2Dataset(data_root=mt_root, split='test', pipeline=[])
    assert ds.layout == 'nyud_mt' and ds.source.ids == ['0100', '0101']
    assert ds.metainfo['targets'] == ('depth', 'seg', 'normals', 'contours')
    sample = ds[1]
    assert sample['seg'][0, :4].tolist() == [255, 0, 39, 4]  # 0 background, k → k − 1
    assert sample['depth'].shape == (1, HEIGHT, WIDTH)
    assert sample['depth'][0, 0, 0].item() == pytest.approx(2.0 + 13)
    normals = sample['normals']
    assert normals.shape == (3, HEIGHT, WIDTH) and normals.dtype == torch.float32
    assert normals[:, 1, 1].tolist() == [0.0, 0.0, -1.0]  # renormalised to unit length
    assert (normals[:, 0] == 0).all()  # zero vectors stay invalid
    contours = sample['contours']
    assert contours.dtype == torch.uint8 and contours.shape == (1, HEIGHT, WIDTH)
    assert contours[0, :, WIDTH // 2].tolist() == [1] * HEIGHT and contours.sum() == HEIGHT
    assert sample['meta']['sample_id'] == '0101'


def test_nyud_mt_maps_40_classes_to_4(mt_root):
    seg = NYUDv2Dataset(data_root=mt_root, split='test', num_classes=4)[0]['seg']
    # 40-class 1 wall → structure (1), 40 otherprop → prop (3), 5 chair → furniture (2)
    assert seg[0, :4].tolist() == [255, 1, 3, 2]


def test_nyud_mt_val_is_carved_from_train(mt_root):
    val = NYUDv2Dataset(data_root=mt_root, split='val')
    assert val.source.ids == ['0000', '0010']  # no scene names: every 10th id
    assert len(NYUDv2Dataset(data_root=mt_root, split='train', val_from_train=True)) == 10
    assert len(NYUDv2Dataset(data_root=mt_root, split='train')) == 12


def test_nyud_mt_lacking_tasks_are_absent(tmp_path):
    make_nyud_mt_root(tmp_path, ['a', 'b'], ['c'], tasks=('depth',))
    ds = NYUDv2Dataset(data_root=tmp_path, split='train')
    assert ds.metainfo['targets'] == ('depth',) and set(ds[0]) == {'img', 'depth', 'meta'}


def test_nyud_mt_missing_file_is_named(mt_root):
    (mt_root / 'normals' / '0101.npy').unlink()
    with pytest.raises(FileNotFoundError, match=r'1 normals files are missing.*0101.npy'):
        NYUDv2Dataset(data_root=mt_root, split='test')
