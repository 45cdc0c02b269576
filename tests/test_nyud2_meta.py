"""NYU metadata on the real small files: splits.mat, classMapping40.mat, class13Mapping.mat."""
import shutil

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from mtl.datasets.nyud2.meta import (NYU4_CLASSES, NYU13_CLASSES, NYU40_CLASSES, apply_lut,
                                      carve_val, check_depth, class_lut, class_palette,
                                      load_splits, nyu_intrinsics)


@pytest.fixture
def nyu(shared_data):
    return shared_data / 'nyudv2'


def test_real_splits_are_795_train_654_test_zero_based(nyu):
    splits = load_splits(nyu / 'splits.mat', 1449)
    assert len(splits['train']) == 795 and len(splits['test']) == 654
    # trainNdxs starts 3, 4, 5; testNdxs 1, 2, 9 (1-based)
    assert splits['train'][:3].tolist() == [2, 3, 4]
    assert splits['test'][:3].tolist() == [0, 1, 8]
    assert sorted(np.concatenate([splits['train'], splits['test']]).tolist()) == list(range(1449))


def test_splits_beyond_the_frames_are_out_of_range(nyu):
    with pytest.raises(IndexError, match=r'trainNdxs .* holds index 7, out of range for the 6'):
        load_splits(nyu / 'splits.mat', 6)


def test_overlapping_splits_are_refused(tmp_path):
    savemat(str(tmp_path / 'splits.mat'), {'trainNdxs': np.array([[1], [2]], np.uint16),
                                           'testNdxs': np.array([[2]], np.uint16)})
    with pytest.raises(ValueError, match='overlap'):
        load_splits(tmp_path / 'splits.mat', 3)


def test_missing_splits_file_names_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'splits.mat not found .*indoor_seg_sup'):
        load_splits(tmp_path / 'splits.mat', 6)


# Raw labels 0, 1, 3, 4, 5: mapClass gives 40-class 40 (otherprop), 3 (cabinet), 22 (ceiling),
# 5 (chair); mapToNYUSuperClass gives 4 (prop), 3 (furniture), 2 (structure), 3; labels13 gives
# 7 (objects), 6 (furniture), 3 (ceiling), 4 (chair). Outputs are 0-based, raw 0 → 255.
@pytest.mark.parametrize('num_classes, expected, named', [
    (40, [255, 39, 2, 21, 4], {2: 'cabinet', 21: 'ceiling', 4: 'chair', 39: 'otherprop'}),
    (4, [255, 3, 2, 1, 2], {3: 'prop', 2: 'furniture', 1: 'structure'}),
    (13, [255, 6, 5, 2, 3], {6: 'objects', 5: 'furniture', 2: 'ceiling', 3: 'chair'}),
])
def test_real_class_mappings(nyu, num_classes, expected, named):
    lut, names = class_lut(nyu, num_classes)
    assert lut.shape == (895,) and lut.dtype == np.uint8
    assert lut[[0, 1, 3, 4, 5]].tolist() == expected
    assert len(names) == num_classes and set(lut[1:]) == set(range(num_classes))
    for index, name in named.items():
        assert names[index] == name


def test_class_name_constants_match_the_files(nyu):
    assert class_lut(nyu, 40)[1] == NYU40_CLASSES
    assert class_lut(nyu, 13)[1] == NYU13_CLASSES
    assert class_lut(nyu, 4)[1] == NYU4_CLASSES


def test_labels_already_in_40_classes_need_no_file(tmp_path, nyu):
    lut, names = class_lut(tmp_path, 40, source_classes=40)
    assert lut[[0, 1, 40]].tolist() == [255, 0, 39] and names == NYU40_CLASSES
    shutil.copyfile(nyu / 'classMapping40.mat', tmp_path / 'classMapping40.mat')
    lut4, _ = class_lut(tmp_path, 4, source_classes=40)
    # 40-class 1 wall → structure, 2 floor → floor, 22 ceiling → structure, 40 otherprop → prop
    assert lut4[[1, 2, 22, 40]].tolist() == [1, 0, 1, 3]


def _mapping40(tmp_path, nyu, **override):
    mat = {k: v for k, v in loadmat(str(nyu / 'classMapping40.mat')).items()
           if not k.startswith('__')}
    mat.update(override)
    savemat(str(tmp_path / 'classMapping40.mat'), mat)
    return tmp_path


def test_a_mapping_of_the_wrong_size_is_refused(tmp_path, nyu):
    root = _mapping40(tmp_path, nyu, mapClass=np.ones((1, 893), np.uint8))
    with pytest.raises(ValueError, match='"mapClass" .* has 893 entries, expected 894'):
        class_lut(root, 40)


def test_a_mapping_with_values_out_of_range_is_refused(tmp_path, nyu):
    root = _mapping40(tmp_path, nyu, mapToNYUSuperClass=np.full((1, 40), 5, np.uint8))
    with pytest.raises(ValueError, match='"mapToNYUSuperClass" .* values outside 1..4'):
        class_lut(root, 4)


def test_a_13_class_mapping_of_the_wrong_size_is_refused(tmp_path, nyu):
    struct = {'labels13': np.ones((1, 39), np.uint8), 'classNames': np.array(['a'], object)}
    savemat(str(tmp_path / 'class13Mapping.mat'), {'classMapping13': struct})
    shutil.copyfile(nyu / 'classMapping40.mat', tmp_path / 'classMapping40.mat')
    with pytest.raises(ValueError, match='"labels13" .* 39 entries, expected 40'):
        class_lut(tmp_path, 13)


def test_missing_mapping_files_name_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'classMapping40.mat not found .*ankurhanda'):
        class_lut(tmp_path, 40)
    with pytest.raises(FileNotFoundError, match=r'class13Mapping.mat not found .*13 classes'):
        class_lut(tmp_path, 13)


def test_unsupported_class_count(tmp_path):
    with pytest.raises(ValueError, match='num_classes must be 4, 13 or 40'):
        class_lut(tmp_path, 20)


def test_apply_lut_refuses_labels_beyond_the_mapping(nyu):
    lut, _ = class_lut(nyu, 40)
    assert apply_lut(np.array([[0, 894]], np.uint16), lut, 'x').tolist() == [[255, 39]]
    with pytest.raises(ValueError, match='sample 00042: label 900 is beyond the 894 classes'):
        apply_lut(np.array([[1, 900]], np.uint16), lut, '00042')


def test_val_is_every_tenth_scene_by_name():
    scenes = [f's{k:02d}' for k in range(25)] * 2  # 25 scenes, two frames each
    ids = list(range(50))
    keep, val = carve_val(ids, scenes)
    # sorted scenes s00..s24; positions 0, 10, 20 → s00, s10, s20 and both frames of each
    assert val == [0, 10, 20, 25, 35, 45]
    assert keep == [i for i in ids if i not in val]
    with pytest.raises(ValueError, match='3 training ids but 2 scene names'):
        carve_val([1, 2, 3], ['a', 'b'])


def test_check_depth_refuses_nan_and_negative_values():
    ok = np.array([[0.0, 1.5]], np.float32)
    assert check_depth(ok, 'a', 'f') is ok
    with pytest.raises(ValueError, match=r'sample 00007 in f.mat: depth holds 1 NaN/inf and 0 '
                                         r'negative'):
        check_depth(np.array([[np.nan, 1.0]], np.float32), '00007', 'f.mat')
    with pytest.raises(ValueError, match='0 NaN/inf and 2 negative'):
        check_depth(np.array([[-1.0, -0.5, 2.0]], np.float32), '1', 'f')


def test_intrinsics_of_the_nyu_camera():
    full = nyu_intrinsics(480, 640)
    np.testing.assert_allclose(full, [[518.8579, 0, 325.5824], [0, 519.4696, 253.7362],
                                      [0, 0, 1]])
    assert full.dtype == np.float64
    np.testing.assert_allclose(nyu_intrinsics(240, 320)[:2], full[:2] / 2)


def test_palette_is_distinct():
    palette = class_palette(40)
    assert len(set(palette)) == 40 and palette[0] == (128, 0, 0)


# Synthetic twins: the same structure as the real mapping files, so that what the real-data
# tests above assert also runs where ../shared/data is absent.
def write_synthetic_mappings(folder):
    """Raw k (1..894) → 40-class ((k − 1) mod 40) + 1; 40-class c → 4-class
    ((c − 1) mod 4) + 1 and 13-class ((c − 1) mod 13) + 1."""
    names = lambda n: np.array([[f'class{k}' for k in range(n)]], dtype=object)  # noqa: E731
    savemat(str(folder / 'classMapping40.mat'), {
        'mapClass': (np.arange(894) % 40 + 1)[None].astype(np.uint16),
        'mapToNYUSuperClass': (np.arange(40) % 4 + 1)[None].astype(np.uint8),
        'className': names(40)})
    savemat(str(folder / 'class13Mapping.mat'), {'classMapping13': {
        'labels13': (np.arange(40) % 13 + 1)[None].astype(np.uint8), 'classNames': names(13)}})
    return folder


@pytest.mark.parametrize('num_classes, expected', [
    (40, [255, 0, 0, 13]), (4, [255, 0, 0, 1]), (13, [255, 0, 0, 0])])
def test_unlabelled_raw_pixels_are_ignored_synthetic_twin(tmp_path, num_classes, expected):
    """Raw labels 0 (unlabelled), 1, 41, 894 → 40-class -, 1, 1, 14 → outputs (0-based)."""
    lut, names = class_lut(write_synthetic_mappings(tmp_path), num_classes)
    labels = apply_lut(np.array([[0, 1, 41, 894]], np.uint16), lut, 'x')
    assert labels.tolist() == [expected] and len(names) == num_classes


@pytest.mark.parametrize('num_classes', [4, 13, 40])
def test_unlabelled_40_class_pixels_are_ignored_synthetic_twin(tmp_path, num_classes):
    lut, _ = class_lut(write_synthetic_mappings(tmp_path), num_classes, source_classes=40)
    assert lut[0] == 255 and lut[1] == 0 and lut.shape == (41,)
