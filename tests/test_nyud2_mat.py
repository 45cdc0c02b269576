"""The v7.3 .mat reader on tiny files built in MATLAB's exact format (12×16 frames, not 640×480)."""
import os
import pickle
import shutil

import h5py
import numpy as np
import pytest
from nyud2_fixtures import (HEIGHT, NUM_FRAMES, SCENES, WIDTH, make_frames, write_labeled_mat,
                            write_matlab_v73)

from mtl.datasets.nyud2.mat import LabeledMat, decode_char, source_fingerprint


@pytest.fixture
def mat(tmp_path):
    return write_labeled_mat(tmp_path / 'nyu_depth_v2_labeled.mat')


def test_fixture_is_a_matlab_v73_file(mat):
    head = mat.read_bytes()[:520]
    assert head.startswith(b'MATLAB 7.3 MAT-file')
    assert head[126:128] == b'IM' and head[512:520] == b'\x89HDF\r\n\x1a\n'
    with h5py.File(mat, 'r') as f:
        assert f.userblock_size == 512
        assert f['images'].shape == (NUM_FRAMES, 3, WIDTH, HEIGHT)  # MATLAB H×W×3×N reversed
        assert f['images'].attrs['MATLAB_class'] == b'uint8'
        assert f['depths'].attrs['MATLAB_class'] == b'single'
        assert f['names'].shape == (1, 894)
        char = f[f['names'][0, 2]]
        assert char.shape == (len('class3'), 1) and char.attrs['MATLAB_class'] == b'char'


def test_reads_frames_with_axes_in_image_order(mat):
    frames = make_frames()
    reader = LabeledMat(mat)
    assert (reader.num_frames, reader.height, reader.width) == (NUM_FRAMES, HEIGHT, WIDTH)
    img = reader.image(4)
    assert img.shape == (HEIGHT, WIDTH, 3) and img.dtype == np.uint8
    # pixel (y=3, x=11) of frame 4 holds (n, y + 100, x + 150)
    assert img[3, 11].tolist() == [4, 103, 161]
    np.testing.assert_array_equal(img, frames['images'][4])
    depth = reader.depth(2)
    assert depth.dtype == np.float32 and depth.shape == (HEIGHT, WIDTH)
    assert depth[5, 7] == pytest.approx(1.0 + 2 + 0.5 + 0.07)
    raw = reader.depth(2, 'raw')
    assert (raw[0] == 0).all() and raw[1, 0] == pytest.approx(3.1)
    labels = reader.labels(0)
    assert labels.dtype == np.uint16 and labels[0, :7].tolist() == [0, 1, 2, 3, 4, 5, 0]
    assert labels[-1, -1] == 894


def test_decodes_names_and_scenes_from_char_references(mat):
    reader = LabeledMat(mat)
    assert len(reader.names) == 894
    assert reader.names[0] == 'class1' and reader.names[893] == 'class894'
    assert reader.scenes == SCENES
    assert reader.has_raw_depth


def test_decode_char_of_an_empty_matlab_string(tmp_path):
    with h5py.File(tmp_path / 'e.h5', 'w') as f:
        ds = f.create_dataset('e', data=np.zeros(2, np.uint64))
        ds.attrs['MATLAB_empty'] = np.uint8(1)
        assert decode_char(ds) == ''


def test_opens_lazily_once_per_process(mat):
    reader = LabeledMat(mat)
    assert reader._h5 is None  # closed after reading the layout
    reader.image(0)
    first = reader._h5
    assert first is not None and reader._pid == os.getpid()
    reader.image(1)
    assert reader._h5 is first
    reader._pid = -1  # as if this object had been forked into another process
    reader.image(1)
    assert reader._h5 is not first
    clone = pickle.loads(pickle.dumps(reader))
    assert clone._h5 is None
    np.testing.assert_array_equal(clone.image(5), reader.image(5))


def test_frame_index_out_of_range(mat):
    with pytest.raises(IndexError, match='frame 6 is out of range for the 6 frames'):
        LabeledMat(mat).image(6)


def test_missing_file_names_it_and_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'nyu_depth_v2_labeled.mat not found in .*'
                                                r'horatio.cs.nyu.edu/mit/silberman'):
        LabeledMat(tmp_path / 'nyu_depth_v2_labeled.mat')


def test_a_v5_mat_is_refused(tmp_path, shared_data):
    wrong = tmp_path / 'nyu_depth_v2_labeled.mat'
    shutil.copyfile(shared_data / 'nyudv2' / 'splits.mat', wrong)
    with pytest.raises(ValueError, match='MATLAB v5 .mat file, not the v7.3'):
        LabeledMat(wrong)


def test_a_file_that_is_no_mat_is_refused(tmp_path):
    wrong = tmp_path / 'nyu_depth_v2_labeled.mat'
    wrong.write_bytes(b'<html>404 Not Found</html>' + bytes(600))
    with pytest.raises(ValueError, match='not a MATLAB v7.3 .mat file'):
        LabeledMat(wrong)


def test_a_v73_file_without_the_labelled_datasets_is_refused(tmp_path):
    # e.g. a raw-sequence file: filenames and accelerometer data, no images/depths/labels
    wrong = write_matlab_v73(tmp_path / 'raw.mat', {'accelData': np.zeros((3, 4), np.float32)},
                             {'rawRgbFilenames': ['r-1.ppm', 'r-2.ppm']})
    with pytest.raises(ValueError, match=r"lacks the datasets \['images', 'depths', 'labels'\]"
                                         r".*rawRgbFilenames.*nyu_depth_v2_labeled.mat"):
        LabeledMat(wrong)
    partial = write_labeled_mat(tmp_path / 'partial.mat', drop=('labels',))
    with pytest.raises(ValueError, match=r"lacks the datasets \['labels'\]"):
        LabeledMat(partial)


def test_mismatched_shapes_are_refused(tmp_path):
    frames = make_frames()
    frames['labels'] = frames['labels'][:5]
    with pytest.raises(ValueError, match='"labels" has shape'):
        LabeledMat(write_labeled_mat(tmp_path / 'bad.mat', frames))


def test_a_truncated_file_says_re_download(mat):
    data = mat.read_bytes()
    mat.write_bytes(data[:len(data) // 2])
    with pytest.raises(OSError, match=r'truncated or corrupt .*truncated file.*download it '
                                      r'again from http://horatio'):
        LabeledMat(mat)


def test_a_corrupt_superblock_says_re_download(mat):
    with open(mat, 'r+b') as fh:
        fh.seek(512)
        fh.write(bytes(64))
    with pytest.raises(OSError, match='truncated or corrupt'):
        LabeledMat(mat)


def test_a_corrupt_chunk_fails_on_reading_that_frame(mat):
    with h5py.File(mat, 'r') as f:
        chunk = f['images'].id.get_chunk_info(3)
    with open(mat, 'r+b') as fh:
        fh.seek(chunk.byte_offset + 4)
        fh.write(b'\xff' * 16)
    reader = LabeledMat(mat)
    np.testing.assert_array_equal(reader.image(2), make_frames()['images'][2])
    with pytest.raises(OSError, match=r'reading "images" of frame 3 failed.*corrupt'):
        reader.image(3)


def test_fingerprint_changes_with_the_content(tmp_path, mat):
    first = source_fingerprint(mat)
    assert first['size'] == mat.stat().st_size and first['file'] == mat.name
    frames = make_frames()
    frames['depths'][0, 0, 0] = 9.0
    other = write_labeled_mat(tmp_path / 'other.mat', frames)
    assert source_fingerprint(other)['header_sha1'] != first['header_sha1']
