"""KITTIDepthDataset: the official layouts, exact depth decoding, intrinsics, pairing, the
Eigen split list (real file) and every error case, on tiny files written in the real formats."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine import Config

from mtl.datasets.kitti import index as kitti_index
from mtl.datasets.kitti import KITTIDepthDataset
from mtl.datasets.kitti.io import (read_cam_to_cam_intrinsics, read_depth_png,
                                   read_intrinsics_txt, read_split_list)
from mtl.registry import DATASETS
import kitti_fixtures as kf

REPO = Path(__file__).resolve().parents[1]
DRIVE = '2011_09_26_drive_0001_sync'


@pytest.fixture
def annotated(tmp_path):
    return tmp_path, kf.build_annotated(tmp_path)


def test_depth_png_decodes_value_over_256_with_zero_invalid(tmp_path):
    raw = np.array([[0, 1, 256, 1000], [12800, 20480, 65535, 0]], dtype=np.uint16)
    kf.write_png(tmp_path / 'd.png', raw)
    depth = read_depth_png(tmp_path / 'd.png')
    assert depth.dtype == np.float32
    np.testing.assert_array_equal(depth, [[0, 1 / 256, 1.0, 3.90625],
                                          [50.0, 80.0, 255.99609375, 0]])


@pytest.mark.parametrize('bad', [np.full((4, 5), 200, np.uint8),
                                 np.full((4, 5, 3), 300, np.uint16)])
def test_depth_png_that_is_not_16_bit_single_channel_is_rejected(tmp_path, bad):
    kf.write_png(tmp_path / 'vis.png', bad)
    with pytest.raises(ValueError, match=r'vis\.png is not a KITTI depth PNG.*16-bit'):
        read_depth_png(tmp_path / 'vis.png')


def test_calibration_gives_each_camera_its_rectified_intrinsics(tmp_path):
    kf.write_calib(tmp_path / 'calib_cam_to_cam.txt')
    for camera in ('image_02', 'image_03'):
        p = kf.P_RECT[camera]
        expected = [[p[0], 0, p[2]], [0, p[5], p[6]], [0, 0, 1]]
        np.testing.assert_allclose(
            read_cam_to_cam_intrinsics(tmp_path / 'calib_cam_to_cam.txt', camera), expected)
    np.testing.assert_allclose(
        read_cam_to_cam_intrinsics(tmp_path / 'calib_cam_to_cam.txt', 'image_02')[:2, 2],
        [609.5593, 172.854])


def test_calibration_without_the_camera_entry_is_rejected(tmp_path):
    kf.write_calib(tmp_path / 'calib_cam_to_cam.txt', cameras=('image_02',))
    with pytest.raises(ValueError, match='"P_rect_03".*missing'):
        read_cam_to_cam_intrinsics(tmp_path / 'calib_cam_to_cam.txt', 'image_03')


def test_intrinsics_txt_is_row_major_and_needs_nine_numbers(tmp_path):
    (tmp_path / 'k.txt').write_text('1 2 3 4 5 6 7 8 9\n')
    np.testing.assert_array_equal(read_intrinsics_txt(tmp_path / 'k.txt'),
                                  [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    (tmp_path / 'k.txt').write_text('1 2 3 4 5 6 7 8\n')
    with pytest.raises(ValueError, match='found 8'):
        read_intrinsics_txt(tmp_path / 'k.txt')


def test_train_split_pairs_gt_with_raw_frames_for_both_cameras(annotated):
    root, written = annotated
    dataset = DATASETS.build(dict(type='KITTIDepthDataset', data_root=str(root), split='train'))
    expected_ids = sorted(k for k in written if not k.startswith('2011_09_26_drive_0002'))
    assert sorted(r.sample_id for r in dataset.records) == expected_ids
    assert len(dataset) == 6
    for index in range(len(dataset)):
        sample = dataset[index]
        truth = written[sample['meta']['sample_id']]
        assert sample['img'].dtype == torch.uint8
        assert torch.equal(sample['img'], torch.from_numpy(truth['img']).permute(2, 0, 1))
        assert sample['depth'].dtype == torch.float32
        assert sample['depth'].shape == (1, *truth['depth'].shape)
        assert torch.equal(sample['depth'][0],
                           torch.from_numpy(truth['depth'].astype(np.float32) / 256))
        assert set(sample) == {'img', 'depth', 'meta'}  # no seg, no faked targets
        assert sample['meta']['ori_shape'] == truth['depth'].shape


def test_meta_names_drive_camera_and_that_camera_intrinsics(annotated):
    root, _ = annotated
    dataset = KITTIDepthDataset(str(root), split='train')
    by_id = {dataset[i]['meta']['sample_id']: dataset[i]['meta'] for i in range(len(dataset))}
    left = by_id[f'{DRIVE}/image_02/0000000005']
    right = by_id[f'{DRIVE}/image_03/0000000005']
    assert (left['drive'], left['camera'], right['camera']) == (DRIVE, 'image_02', 'image_03')
    assert left['intrinsics'].dtype == np.float64 and left['intrinsics'].shape == (3, 3)
    np.testing.assert_allclose(left['intrinsics'][0], [721.5377, 0, 609.5593])
    assert left['img_path'].endswith(f'raw/2011_09_26/{DRIVE}/image_02/data/0000000005.png')
    assert by_id['2011_09_28_drive_0002_sync/image_02/0000000010']['ori_shape'] == (18, 64)


def test_camera_filter_val_split_and_metainfo(annotated):
    root, _ = annotated
    right = KITTIDepthDataset(str(root), split='train', cameras=('image_03',),
                              metainfo=dict(depth_range=(1e-3, 50.0)))
    assert len(right) == 3 and {r.camera for r in right.records} == {'image_03'}
    assert right.metainfo['depth_range'] == (1e-3, 50.0)
    assert right.metainfo['targets'] == ('depth',) and right.metainfo['num_classes'] == 0
    val = KITTIDepthDataset(str(root), split='val')
    assert [r.sample_id for r in val.records] == [
        '2011_09_26_drive_0002_sync/image_02/0000000005',
        '2011_09_26_drive_0002_sync/image_03/0000000005']


def test_pipeline_is_applied_to_the_sample(annotated):
    root, _ = annotated

    def drop_depth(sample):
        sample['meta']['seen'] = sample.pop('depth').shape
        return sample

    sample = KITTIDepthDataset(str(root), split='val', pipeline=[drop_depth])[0]
    assert 'depth' not in sample and sample['meta']['seen'] == (1, 20, 60)


def test_missing_annotated_folder_names_it_and_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'data_depth_annotated[/\\]train.*'
                                                r'eval_depth\.php\?benchmark=depth_prediction'):
        KITTIDepthDataset(str(tmp_path), split='train')


def test_missing_raw_root_names_it_and_the_raw_data_page(annotated):
    root, _ = annotated
    with pytest.raises(FileNotFoundError, match=r'raw data folder not found: .*elsewhere.*'
                                                r'raw_data\.php'):
        KITTIDepthDataset(str(root), split='train', raw_root='elsewhere')


def test_missing_rgb_frame_names_both_paths(annotated):
    root, _ = annotated
    rgb = root / 'raw' / '2011_09_26' / DRIVE / 'image_03' / 'data' / '0000000006.png'
    rgb.unlink()
    gt = root / 'data_depth_annotated' / 'train' / DRIVE / 'proj_depth' / 'groundtruth'
    with pytest.raises(FileNotFoundError) as info:
        KITTIDepthDataset(str(root), split='train')
    assert str(rgb) in str(info.value)
    assert str(gt / 'image_03' / '0000000006.png') in str(info.value)


def test_missing_calibration_fails_or_uses_the_override(annotated):
    root, _ = annotated
    (root / 'raw' / '2011_09_28' / 'calib_cam_to_cam.txt').unlink()
    with pytest.raises(FileNotFoundError, match=r'2011_09_28[/\\]calib_cam_to_cam\.txt.*'
                                                r'2011_09_28_calib\.zip.*intrinsics='):
        KITTIDepthDataset(str(root), split='train')
    dataset = KITTIDepthDataset(str(root), split='train', intrinsics=(700.0, 710.0, 30.0, 10.0))
    np.testing.assert_array_equal(dataset[0]['meta']['intrinsics'],
                                  [[700, 0, 30], [0, 710, 10], [0, 0, 1]])
    matrix = [[1.0, 0, 2], [0, 3, 4], [0, 0, 1]]
    dataset = KITTIDepthDataset(str(root), split='train', intrinsics=matrix)
    np.testing.assert_array_equal(dataset[1]['meta']['intrinsics'], matrix)
    with pytest.raises(ValueError, match='intrinsics must be'):
        KITTIDepthDataset(str(root), split='train', intrinsics=(1.0, 2.0, 3.0))


def test_eight_bit_ground_truth_fails_when_loaded(annotated):
    root, _ = annotated
    gt = (root / 'data_depth_annotated' / 'val' / '2011_09_26_drive_0002_sync' / 'proj_depth'
          / 'groundtruth' / 'image_02' / '0000000005.png')
    kf.write_png(gt, np.full((20, 60), 7, np.uint8))
    dataset = KITTIDepthDataset(str(root), split='val')
    with pytest.raises(ValueError, match='not a KITTI depth PNG: .*uint8'):
        dataset[0]


def test_image_and_depth_of_different_size_are_rejected(annotated):
    root, _ = annotated
    kf.write_png(root / 'raw' / '2011_09_26' / '2011_09_26_drive_0002_sync' / 'image_02'
                 / 'data' / '0000000005.png', kf.rgb_image((21, 60), 0), rgb=True)
    with pytest.raises(ValueError, match=r'is 21×60 but its ground truth .* is 20×60'):
        KITTIDepthDataset(str(root), split='val')[0]


def test_empty_split_unknown_split_and_unknown_camera(tmp_path):
    (tmp_path / 'data_depth_annotated' / 'val').mkdir(parents=True)
    (tmp_path / 'raw').mkdir()
    with pytest.raises(ValueError, match='"val" split is empty'):
        KITTIDepthDataset(str(tmp_path), split='val')
    with pytest.raises(ValueError, match='Unknown KITTI split "eigen"'):
        KITTIDepthDataset(str(tmp_path), split='eigen')
    with pytest.raises(ValueError, match='cameras must be'):
        KITTIDepthDataset(str(tmp_path), split='val', cameras=('image_00',))
    with pytest.raises(ValueError, match='split_file applies to'):
        KITTIDepthDataset(str(tmp_path), split='test', split_file='list.txt')


def test_val_selection_pairs_image_gt_and_intrinsics_by_name(tmp_path):
    written = kf.build_val_selection(tmp_path)
    dataset = KITTIDepthDataset(str(tmp_path), split='val_selection')
    assert sorted(r.sample_id for r in dataset.records) == sorted(written)
    for index in range(len(dataset)):
        sample = dataset[index]
        truth = written[sample['meta']['sample_id']]
        assert torch.equal(sample['depth'][0],
                           torch.from_numpy(truth['depth'].astype(np.float32) / 256))
        np.testing.assert_allclose(sample['meta']['intrinsics'], truth['K'], rtol=1e-6)
        assert '_groundtruth_depth_' in sample['meta']['depth_path']
        assert set(sample) == {'img', 'depth', 'meta'}
    left = KITTIDepthDataset(str(tmp_path), split='val_selection', cameras=('image_02',))
    assert [r.sample_id for r in left.records] == [
        '2011_09_26_drive_0002_sync/image_02/0000000005']


def test_val_selection_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'val_selection_cropped/image folder not '
                                                r'found.*depth_selection\.zip'):
        KITTIDepthDataset(str(tmp_path), split='val_selection')
    kf.build_val_selection(tmp_path)
    folder = tmp_path / 'depth_selection' / 'val_selection_cropped'
    names = kf.selection_names('2011_10_03_drive_0047_sync', '0000000791', 'image_03')
    (folder / 'intrinsics' / names['intrinsics']).unlink()
    with pytest.raises(FileNotFoundError, match=names['intrinsics'] + ' is missing for the '
                                                'image .*' + names['image']):
        KITTIDepthDataset(str(tmp_path), split='val_selection')
    (folder / 'groundtruth_depth' / names['groundtruth_depth']).unlink()
    with pytest.raises(FileNotFoundError, match=names['groundtruth_depth'] + ' is missing'):
        KITTIDepthDataset(str(tmp_path), split='val_selection')
    kf.write_png(folder / 'image' / '0000000001.png', kf.rgb_image((4, 4), 0), rgb=True)
    with pytest.raises(ValueError, match=r'Unexpected file name .*0000000001\.png'):
        KITTIDepthDataset(str(tmp_path), split='val_selection')


def test_anonymous_test_set_has_no_depth_target(tmp_path):
    kf.build_test_set(tmp_path, count=2)
    dataset = KITTIDepthDataset(str(tmp_path), split='test')
    assert dataset.metainfo['targets'] == ()
    sample = dataset[1]
    assert set(sample) == {'img', 'meta'}
    assert sample['meta']['sample_id'] == '0000000001'
    np.testing.assert_allclose(sample['meta']['intrinsics'],
                               np.reshape(kf.SELECTION_K, (3, 3)), rtol=1e-6)


def test_real_eigen_list_has_652_frames_with_gt_and_45_none_lines(shared_data):
    path = shared_data / 'kitti' / 'eigen_test_files_with_gt.txt'
    entries, skipped = read_split_list(path)
    assert (len(entries), skipped) == (652, 45)
    first = entries[0]
    assert first.rgb_path == '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png'
    assert first.gt_path == ('2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/'
                             '0000000069.png')
    assert first.focal == pytest.approx(721.5377) and first.line_no == 1
    assert entries[-1].line_no == 697
    assert {e.focal for e in entries} == {707.0493, 707.0912, 718.3351, 718.856, 721.5377}


def _eigen_tree(root: Path, entries, split_of_drive) -> None:
    """Tiny frames for list entries, ground truth under data_depth_annotated/<train|val>."""
    for seed, entry in enumerate(entries):
        drive = entry.gt_path.split('/')[0]
        kf.write_png(root / 'raw' / entry.rgb_path, kf.rgb_image((4, 8), seed), rgb=True)
        kf.write_png(root / 'data_depth_annotated' / split_of_drive(drive) / entry.gt_path,
                     kf.depth_raw((4, 8), seed))
    for date in {e.rgb_path[:10] for e in entries}:
        kf.write_calib(root / 'raw' / date / 'calib_cam_to_cam.txt')


def test_eigen_test_on_the_real_list_reads_every_frame_and_logs_the_skips(
        shared_data, tmp_path, monkeypatch):
    entries, _ = read_split_list(shared_data / 'kitti' / 'eigen_test_files_with_gt.txt')
    _eigen_tree(tmp_path, entries, lambda drive: 'val' if drive.endswith('2_sync') else 'train')
    logged = []
    monkeypatch.setattr(kitti_index, 'print_log', lambda msg, logger=None: logged.append(msg))
    dataset = KITTIDepthDataset(
        str(tmp_path), split='eigen_test',
        split_file=str(shared_data / 'kitti' / 'eigen_test_files_with_gt.txt'))
    assert len(dataset) == 652
    assert logged == ['eigen_test_files_with_gt.txt: 652 frames with ground truth; skipped 45 '
                      'lines whose ground truth is None.']
    sample = dataset[0]
    assert sample['meta']['sample_id'] == '2011_09_26_drive_0002_sync/image_02/0000000069'
    assert '/val/2011_09_26_drive_0002_sync/' in sample['meta']['depth_path']
    assert sample['depth'].shape == (1, 4, 8) and 'seg' not in sample


def test_eigen_test_missing_rgb_names_both_paths_and_missing_gt_names_the_line(
        shared_data, tmp_path):
    split_file = str(shared_data / 'kitti' / 'eigen_test_files_with_gt.txt')
    entries, _ = read_split_list(split_file)
    _eigen_tree(tmp_path, entries[:1], lambda drive: 'train')
    (tmp_path / 'raw' / entries[0].rgb_path).unlink()
    with pytest.raises(FileNotFoundError) as info:
        KITTIDepthDataset(str(tmp_path), split='eigen_test', split_file=split_file)
    assert str(tmp_path / 'raw' / entries[0].rgb_path) in str(info.value)
    assert str(tmp_path / 'data_depth_annotated' / 'train' / entries[0].gt_path) in str(
        info.value)
    kf.write_png(tmp_path / 'raw' / entries[0].rgb_path, kf.rgb_image((4, 8), 0), rgb=True)
    with pytest.raises(FileNotFoundError, match=r'line 2: the ground truth .*0000000054\.png'):
        KITTIDepthDataset(str(tmp_path), split='eigen_test', split_file=split_file)


def test_split_list_format_errors_and_default_list_location(tmp_path):
    (tmp_path / 'data_depth_annotated').mkdir()
    (tmp_path / 'raw').mkdir()
    with pytest.raises(FileNotFoundError, match=r'split list not found: .*'
                                                r'eigen_test_files_with_gt\.txt'):
        KITTIDepthDataset(str(tmp_path), split='eigen_test')
    (tmp_path / 'eigen_test_files_with_gt.txt').write_text('a.png b.png\n')
    with pytest.raises(ValueError, match='line 1: expected "rgb_path gt_path focal", got 2'):
        KITTIDepthDataset(str(tmp_path), split='eigen_test')
    (tmp_path / 'eigen_test_files_with_gt.txt').write_text('a.png b.png f\n')
    with pytest.raises(ValueError, match="line 1: the focal length 'f'"):
        KITTIDepthDataset(str(tmp_path), split='eigen_test')


def test_train_split_from_an_eigen_train_style_list(annotated):
    root, written = annotated
    line = (f'2011_09_26/{DRIVE}/image_03/data/0000000006.png '
            f'{DRIVE}/proj_depth/groundtruth/image_03/0000000006.png 721.5377\n'
            f'2011_09_26/{DRIVE}/image_02/data/0000000006.png None 721.5377\n')
    (root / 'eigen_train_files_with_gt.txt').write_text(line)
    dataset = KITTIDepthDataset(str(root), split='train',
                                split_file='eigen_train_files_with_gt.txt')
    assert [r.sample_id for r in dataset.records] == [f'{DRIVE}/image_03/0000000006']
    truth = written[f'{DRIVE}/image_03/0000000006']
    assert torch.equal(dataset[0]['depth'][0],
                       torch.from_numpy(truth['depth'].astype(np.float32) / 256))
    assert KITTIDepthDataset(str(root), split='train', split_file='eigen_train_files_with_gt.txt',
                             cameras=('image_03',))[0]['meta']['camera'] == 'image_03'


def test_base_configs_build_the_dataset_and_name_the_protocols(annotated):
    root, _ = annotated
    cfg = Config.fromfile(str(REPO / 'configs/_base_/datasets/kitti_depth.py'))
    assert cfg.train_dataloader.dataset.pipeline[0] == dict(type='RandomCrop', size=(256, 256))
    assert cfg.val_dataloader.dataset.split == 'val_selection'
    assert cfg.val_dataloader.batch_size == 1
    assert cfg.val_evaluator == dict(type='DepthMetric', crop=None, max_depth=80.0)
    assert cfg.train_dataloader.collate_fn == dict(type='mtl_collate')
    train = dict(cfg.train_dataloader.dataset, data_root=str(root), pipeline=[])
    assert len(DATASETS.build(train)) == 6
    eigen = Config.fromfile(str(REPO / 'configs/_base_/datasets/kitti_eigen.py'))
    assert eigen.test_dataloader.dataset.split == 'eigen_test'
    assert eigen.test_dataloader.dataset.split_file == 'eigen_test_files_with_gt.txt'
    assert eigen.test_evaluator == dict(type='DepthMetric', crop='garg', min_depth=1e-3,
                                        max_depth=80.0)
    assert eigen.train_dataloader.dataset.pipeline == cfg.train_dataloader.dataset.pipeline


def test_a_128_px_variant_overrides_crop_size_and_the_pipeline(tmp_path):
    base = REPO / 'configs/_base_/datasets/kitti_depth.py'
    (tmp_path / 'kitti_128.py').write_text(
        f"_base_ = ['{base}']\n"
        "crop_size = 128\n"
        "train_pipeline = [dict(type='RandomCrop', size=(crop_size, crop_size)),\n"
        "                  dict(type='RandomHorizontalFlip', prob=0.5)]\n"
        "train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))\n")
    cfg = Config.fromfile(str(tmp_path / 'kitti_128.py'))
    assert cfg.train_dataloader.dataset.pipeline[0]['size'] == (128, 128)
    assert cfg.train_dataloader.dataset.split == 'train' and cfg.train_dataloader.batch_size == 32
