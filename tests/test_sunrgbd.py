"""SUN RGB-D read from its release files: the depth decoding of the toolbox, the 37-class
labels of SUNRGBD2Dseg.mat, the official split, and clear errors for missing files."""
import numpy as np
import pytest
import torch

from mtl.datasets.sunrgbd import SUNRGBDDataset, decode_depth
from mtl.datasets.sunrgbd.toolbox import frame_dir
from sunrgbd_fixtures import FAR_MM, FRAMES, encode_depth, frame_arrays, write_release


@pytest.fixture(scope='module')
def release(tmp_path_factory):
    return write_release(tmp_path_factory.mktemp('sunrgbd'))


def test_depth_decoding_is_the_toolbox_circular_shift():
    # 9000 mm is stored as (9000 << 3) mod 2¹⁶ | 9000 >> 13 = 6464 | 1 = 6465
    stored = np.array([0, 8000, 6465], dtype=np.uint16)
    assert encode_depth(np.array([0, 1000, 9000])).tolist() == stored.tolist()
    assert decode_depth(stored).tolist() == pytest.approx([0.0, 1.0, 9.0])
    # without the shift 6465 would read 6.465 m, with a plain right shift 0.808 m
    with pytest.raises(ValueError, match='16-bit'):
        decode_depth(stored.astype(np.uint8))


def test_frame_dirs_from_server_paths():
    assert frame_dir('/n/fs/sun3d/data/SUNRGBD/kv1/NYUdata/NYU0001/') == 'kv1/NYUdata/NYU0001'
    assert frame_dir('SUNRGBD/kv1/NYUdata/NYU0001') == 'kv1/NYUdata/NYU0001'
    with pytest.raises(ValueError, match='SUNRGBD/'):
        frame_dir('/somewhere/else')


def test_split_sizes_and_order(release):
    train, test = SUNRGBDDataset(release, 'train'), SUNRGBDDataset(release, 'test')
    ids = [train.load_sample(i)['meta']['sample_id'] for i in range(len(train))]
    assert ids == [FRAMES[0][0], FRAMES[2][0]]  # allsplit.mat's order
    assert len(test) == 1 and test.metainfo['num_classes'] == 37


def test_sample_contents(release):
    dataset = SUNRGBDDataset(release, 'train')
    sample = dataset[1]  # the third frame of the release
    expected = frame_arrays(2, FRAMES[2][2])
    assert sample['img'].dtype == torch.uint8 and sample['img'].shape == (3, 12, 16)
    # RGB order, up to JPEG's chroma subsampling
    error = sample['img'].permute(1, 2, 0).float() - torch.from_numpy(expected['image']).float()
    assert error.abs().mean() < 3 and error.abs().max() < 12
    depth = sample['depth'][0]
    assert depth[-1, -1].item() == pytest.approx(FAR_MM / 1000)  # the shift mattered here
    assert depth[2, 3].item() == pytest.approx((1000 + 200 + 20 + 3) / 1000)
    seg = sample['seg']
    assert seg.dtype == torch.int64
    assert (seg[:, 0] == 255).all()  # unlabelled
    assert seg[0, 5].item() == (5 + 2) % 37  # 1-based label 1 + (x + i) % 37 → 0-based
    intrinsics = sample['meta']['intrinsics']
    assert intrinsics[0, 0] == 502 and intrinsics[1, 1] == 512


def test_raw_depth_keeps_its_holes(release):
    raw = SUNRGBDDataset(release, 'train', depth_type='raw')[0]['depth'][0]
    assert (raw[0] == 0).all() and (raw[1:] > 0).all()


def test_missing_files_point_at_the_docs(release, tmp_path):
    with pytest.raises(FileNotFoundError, match='docs/datasets.md'):
        SUNRGBDDataset(tmp_path / 'absent')
    with pytest.raises(FileNotFoundError, match='SUNRGBDMeta.mat.*docs/datasets.md'):
        SUNRGBDDataset(tmp_path)
    broken = write_release(tmp_path / 'copy')
    (broken / 'SUNRGBDtoolbox/Metadata/SUNRGBD2Dseg.mat').unlink()
    with pytest.raises(FileNotFoundError, match='SUNRGBD2Dseg.mat'):
        SUNRGBDDataset(broken)
    with pytest.raises(ValueError, match='"train" or "test"'):
        SUNRGBDDataset(release, 'val')


def test_wrong_files_are_named(release, tmp_path):
    broken = write_release(tmp_path / 'copy')
    depth = broken / 'SUNRGBD' / FRAMES[0][0] / 'depth_bfx' / f'{FRAMES[0][1]}.png'
    import cv2
    cv2.imwrite(str(depth), np.zeros((12, 16), np.uint8))
    with pytest.raises(ValueError, match='16-bit'):
        SUNRGBDDataset(broken)[0]
    from scipy.io import savemat
    savemat(broken / 'SUNRGBDtoolbox/traintestSUNRGBD/allsplit.mat', {'other': 1})
    with pytest.raises(ValueError, match='allsplit.mat'):
        SUNRGBDDataset(broken)


def test_dataset_pickles_for_workers(release):
    import pickle
    dataset = SUNRGBDDataset(release, 'train')
    dataset[0]  # opens the HDF5 file
    clone = pickle.loads(pickle.dumps(dataset))
    assert torch.equal(clone[1]['seg'], dataset[1]['seg'])
