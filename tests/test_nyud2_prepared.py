"""tools/prepare_nyud2.py and the prepared layout: round trip, idempotence, resume, refusals."""
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from nyud2_fixtures import make_frames, make_nyu_root, write_labeled_mat

from mtl.datasets.nyud2.prepared import PreparedLayoutError
from mtl.datasets.nyud2 import NYUDv2Dataset

TOOL = Path(__file__).resolve().parents[1] / 'tools' / 'prepare_nyud2.py'


def _load_tool():
    spec = importlib.util.spec_from_file_location('prepare_nyud2', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


@pytest.fixture(scope='module')
def template(tmp_path_factory):
    from conftest import SHARED_DATA
    if not SHARED_DATA.is_dir():
        pytest.skip(f'real dataset files not found at {SHARED_DATA}; set MTL_SHARED_DATA')
    root = make_nyu_root(tmp_path_factory.mktemp('nyud2'), SHARED_DATA)
    tool.prepare(root, workers=1, progress=False)
    return root


@pytest.fixture
def root(tmp_path, template):
    return Path(shutil.copytree(template, tmp_path / 'nyud2'))


def _manifest(root):
    return json.loads((root / 'prepared' / 'manifest.json').read_text())


def _assert_same(a, b):
    assert len(a) == len(b)
    for i in range(len(a)):
        x, y = a[i], b[i]
        assert torch.equal(x['img'], y['img']) and torch.equal(x['seg'], y['seg'])
        assert torch.allclose(x['depth'], y['depth'], atol=5e-4)
        assert x['meta']['sample_id'] == y['meta']['sample_id']
        assert x['meta']['scene'] == y['meta']['scene']


@pytest.mark.parametrize('split, depth_type, num_classes', [
    ('train', 'filled', 40), ('test', 'raw', 13), ('val', 'filled', 4)])
def test_prepared_layout_reads_like_the_mat(root, split, depth_type, num_classes):
    kwargs = dict(data_root=root, split=split, depth_type=depth_type, num_classes=num_classes)
    prepared = NYUDv2Dataset(**kwargs)
    assert prepared.layout == 'prepared'  # auto picks the prepared layout
    _assert_same(NYUDv2Dataset(layout='mat', **kwargs), prepared)


def test_the_prepared_folder_alone_is_a_data_root(root, tmp_path):
    alone = Path(shutil.copytree(root / 'prepared', tmp_path / 'elsewhere'))
    _assert_same(NYUDv2Dataset(data_root=root, layout='mat', split='test'),
                 NYUDv2Dataset(data_root=alone, split='test'))


def test_manifest_records_source_counts_and_checksums(root):
    manifest = _manifest(root)
    assert manifest['version'] == 1 and manifest['num_frames'] == 6
    assert (manifest['height'], manifest['width']) == (12, 16)
    assert manifest['num_files'] == 6 * 4 + 3 == len(manifest['files'])
    assert manifest['source']['size'] == (root / 'nyu_depth_v2_labeled.mat').stat().st_size
    size, sha1 = manifest['files']['label/00003.png']
    assert size == (root / 'prepared' / 'label' / '00003.png').stat().st_size and len(sha1) == 40
    assert manifest['scenes'][4] == 'bathroom_0004' and len(manifest['names']) == 894


def test_a_second_run_changes_nothing(root, capsys):
    rgb = root / 'prepared' / 'rgb' / '00000.png'
    before = rgb.stat().st_mtime_ns, _manifest(root)
    tool.main([str(root), '--workers', '1', '--no-progress'])
    assert 'already prepared' in capsys.readouterr().out
    assert (rgb.stat().st_mtime_ns, _manifest(root)) == before


def test_an_interrupted_run_resumes(root):
    out = root / 'prepared'
    digest = _manifest(root)['digest']
    kept = out / 'rgb' / '00000.png'
    kept_time = kept.stat().st_mtime_ns
    (out / 'manifest.json').unlink()  # the manifest is written last
    (out / 'depth' / '00002.png').unlink()
    (out / 'label' / '00005.png').write_bytes(b'not a png')
    (out / 'rgb' / '00003.part.png').write_bytes(b'half')
    tool.prepare(root, workers=1, progress=False)
    assert _manifest(root)['digest'] == digest
    assert kept.stat().st_mtime_ns == kept_time  # finished files are not rewritten
    assert not list(out.glob('*/*.part.png'))


def test_parallel_workers_give_the_same_files(root, tmp_path):
    digest = _manifest(root)['digest']
    tool.prepare(root, out=tmp_path / 'p2', workers=2, progress=False)
    assert json.loads((tmp_path / 'p2' / 'manifest.json').read_text())['digest'] == digest


def _edit_manifest(root, **changes):
    path = root / 'prepared' / 'manifest.json'
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize('damage, match', [
    (lambda r: _edit_manifest(r, version=0), 'format .* version 0'),
    (lambda r: _edit_manifest(r, num_frames=5), 'file list does not cover'),
    (lambda r: _edit_manifest(r, digest='0' * 40), 'digest over its file entries'),
    (lambda r: (r / 'prepared' / 'manifest.json').write_text('{'), 'not valid JSON'),
    (lambda r: (r / 'prepared' / 'depth' / '00001.png').unlink(), '1 files are missing'),
    (lambda r: (r / 'prepared' / 'rgb' / '00001.png').write_bytes(b'x'), 'missing or changed'),
    (lambda r: write_labeled_mat(r / 'nyu_depth_v2_labeled.mat',
                                 {k: v[:, ::-1].copy() for k, v in make_frames().items()}),
     'prepared from a different nyu_depth_v2_labeled.mat'),
])
def test_a_mismatching_layout_is_refused(root, damage, match):
    damage(root)
    with pytest.raises(PreparedLayoutError, match=f'{match}.*Re-run `python tools/prepare_nyud2'):
        NYUDv2Dataset(data_root=root, layout='prepared')


def test_sha1_verification_catches_a_same_size_change(root):
    path = root / 'prepared' / 'label' / '00000.png'
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    NYUDv2Dataset(data_root=root, split='test')  # sizes still match
    with pytest.raises(PreparedLayoutError, match=r"missing or changed, e.g. \['label/00000.png"):
        NYUDv2Dataset(data_root=root, split='test', verify_sha1=True)
    with pytest.raises(PreparedLayoutError, match='missing or changed'):
        tool.main([str(root), '--verify'])


def test_the_tool_refuses_frames_of_another_source(root):
    write_labeled_mat(root / 'nyu_depth_v2_labeled.mat',
                      {k: v[:, ::-1].copy() for k, v in make_frames().items()})
    with pytest.raises(PreparedLayoutError, match='different nyu_depth_v2_labeled.mat.*'
                                                  '--overwrite'):
        tool.prepare(root, workers=1, progress=False)
    tool.prepare(root, workers=1, progress=False, overwrite=True)
    prepared = NYUDv2Dataset(data_root=root, split='test')
    assert prepared.layout == 'prepared'
    _assert_same(NYUDv2Dataset(data_root=root, split='test', layout='mat'), prepared)


def test_an_unfinished_preparation_falls_back_to_the_mat(root):
    (root / 'prepared' / 'manifest.json').unlink()
    with pytest.warns(UserWarning, match='no manifest.json'):
        assert NYUDv2Dataset(data_root=root).layout == 'mat'
    with pytest.raises(FileNotFoundError, match='no prepared layout .* tools/prepare_nyud2.py'):
        NYUDv2Dataset(data_root=root, layout='prepared')


def test_the_tool_refuses_bad_input(tmp_path, shared_data):
    with pytest.raises(FileNotFoundError, match='nyu_depth_v2_labeled.mat not found'):
        tool.prepare(tmp_path, progress=False)
    frames = make_frames()
    frames['rawDepths'][3, 1, 1] = np.nan
    root = make_nyu_root(tmp_path / 'nan', shared_data, frames)
    with pytest.raises(ValueError, match='sample frame 3 .*1 NaN/inf'):
        tool.prepare(root, workers=1, progress=False)
    with pytest.raises(ValueError, match='--out must be a folder of its own'):
        tool.prepare(root, out=root, progress=False)
    (root / 'classMapping40.mat').unlink()
    with pytest.raises(FileNotFoundError, match='classMapping40.mat not found'):
        tool.prepare(root, progress=False)
