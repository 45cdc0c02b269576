"""Bad inputs, as a hostile-but-fair user gives them: each fails early with the problem and
the fix, writes nothing and loses nothing, or (for odd but valid files) is read correctly.

Every bad input is built in ``tmp_path``; checkpoint-server, runner and NaN cases live in
``test_checkpoint_security.py`` and ``test_runner_safety.py``.
"""
import io
import pickle
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mtl.datasets.image_io import load_npy, read_label_map, read_rgb
from mtl.engine.checkpoint import (CorruptCheckpointError, UnsafeCheckpointError, load_checkpoint)
from mtl.engine.runner_utils import check_cfg_options
from mtl.engine.startup_checks import check_config

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'configs' / 'tiny_hps_synthrooms.py'


def files_in(folder: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in folder.rglob('*') if p.is_file()}


@pytest.fixture
def unchanged(tmp_path):
    """Asserts that the test wrote nothing after the bad input was made."""
    marks = {}
    yield lambda: marks.setdefault('before', files_in(tmp_path))
    assert files_in(tmp_path) == marks['before'], 'a file was written or changed'


# --- checkpoints ---------------------------------------------------------------------

class Runs:
    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def pth(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


GOOD = pth({'state_dict': {'w': torch.ones(64)}})
CHECKPOINTS = {
    'empty': (b'', CorruptCheckpointError, 'empty'),
    'zero-filled': (b'\0' * 4096, CorruptCheckpointError, 'zero-filled'),
    'text': (b'{"not": "a checkpoint"}\n', CorruptCheckpointError, 'not a PyTorch checkpoint'),
    'half-written': (GOOD[:len(GOOD) // 2], CorruptCheckpointError, 'half-written'),
    'tail cut': (GOOD[:-10], CorruptCheckpointError, 'half-written'),
    'plain pickle': (pickle.dumps({'w': 1}), CorruptCheckpointError, 'not a PyTorch checkpoint'),
    'print': (pth({'x': Runs(print, 'ran')}), UnsafeCheckpointError, 'print'),
    'exec': (pth({'x': Runs(exec, 'open("/tmp/x", "w")')}), UnsafeCheckpointError, 'exec'),
    'eval in state_dict': (pth({'state_dict': {'w': Runs(eval, '1')}}), UnsafeCheckpointError,
                           'eval'),
}


@pytest.mark.parametrize('name', sorted(CHECKPOINTS))
def test_bad_checkpoint_files(tmp_path, unchanged, name):
    content, error, cause = CHECKPOINTS[name]
    path = tmp_path / 'bad.pth'
    path.write_bytes(content)
    unchanged()
    with pytest.raises(error) as raised:
        load_checkpoint(str(path))
    message = str(raised.value)
    assert str(path) in message and cause in message
    assert 'weights_only=False' not in message and '\n' not in message


@pytest.mark.parametrize('source, error, expected', [
    ('missing.pth', FileNotFoundError, 'missing.pth" does not exist'),
    ('s3://bucket/model.pth', ValueError, 'download the file and pass its local path'),
    ('pavi://model', ValueError, 'remote stores'),
    ('http://127.0.0.1:9/m.pth#md5=abc', ValueError, 'only fragment understood is "#sha256'),
    ('http://127.0.0.1:9/m.pth#sha256=xyz', ValueError, 'not 8 to 64 hex digits'),
    ('torchvision://no_such_net', KeyError, 'mmengine lists no "no_such_net"'),
])
def test_bad_checkpoint_sources(tmp_path, monkeypatch, unchanged, source, error, expected):
    monkeypatch.setenv('MTL_CHECKPOINT_CACHE', str(tmp_path / 'cache'))
    monkeypatch.chdir(tmp_path)
    unchanged()
    with pytest.raises(error, match=expected):
        load_checkpoint(source)


def test_local_checkpoint_with_wrong_sha256(tmp_path, unchanged):
    path = tmp_path / 'good.pth'
    path.write_bytes(GOOD)
    unchanged()
    with pytest.raises(ValueError, match='good.pth" has SHA-256 .* expected 00000000'):
        load_checkpoint(str(path), sha256='0' * 8)


# --- configs and --cfg-options -------------------------------------------------------

@pytest.fixture(scope='module')
def tiny_cfg():
    return Config.fromfile(str(TINY))


@pytest.mark.parametrize('options, error, expected', [
    ({'train_cfg.max_iters': 'abc'}, TypeError, 'train_cfg.max_iters=.abc.: .* an integer'),
    ({'optim_wrapper.optimizer.lr': 'fast'}, TypeError, r'optimizer.lr=.fast.: .* a number'),
    ({'train_dataloader.batch_size': 2.5}, None, None),  # a number for a number: accepted
    ({'max_iters': 5}, KeyError, '"max_iters" is a variable of the config file'),
    ({'model.backbone.pretrained': 'no'}, TypeError, 'True or False'),
])
def test_bad_cfg_options(tiny_cfg, options, error, expected):
    cfg = Config.fromfile(str(TINY)) if 'max_iters' in options else tiny_cfg
    if 'max_iters' in options:
        cfg.max_iters = 1900  # as configs/hps_synthrooms.py defines it
    if error is None:
        check_cfg_options(cfg, options)
        return
    with pytest.raises(error, match=expected):
        check_cfg_options(cfg, options)


@pytest.mark.parametrize('key, value, error, expected', [
    ('default_hooks.checkpoint.intervall', 3, KeyError, r"did you mean \['interval'\]"),
    ('default_hooks.logger.interva', 3, KeyError, 'interval'),
    ('optim_wrapper.optimizer.weight_decai', 0.1, KeyError, 'weight_decay'),
    ('train_dataloader.batchsize', 2, KeyError, 'batch_size'),
    ('test_dataloader.num_worker', 0, KeyError, 'num_workers'),
    ('train_cfg.max_iters', 0, ValueError, 'train_cfg.max_iters is 0'),
    ('train_cfg.max_iters', -5, ValueError, 'positive integer'),
    ('optim_wrapper.optimizer.lr', 0.0, ValueError, 'lr is 0.0'),
])
def test_config_mistakes_caught_before_training(key, value, error, expected):
    cfg = Config.fromfile(str(TINY))
    cfg.merge_from_dict({key: value})
    with pytest.raises(error, match=expected) as raised:
        check_config(cfg)
    assert key.split('.')[-1] in str(raised.value)


def test_the_shipped_configs_pass_the_startup_checks():
    for path in sorted((ROOT / 'configs').glob('*.py')):
        check_config(Config.fromfile(str(path)))


# --- data files --------------------------------------------------------------------

def save_image(path: Path, array: np.ndarray, mode=None, **info) -> Path:
    image = Image.fromarray(array, mode) if mode else Image.fromarray(array)
    image.save(path, **info)
    return path


def palette_image(indices: np.ndarray) -> Image.Image:
    image = Image.fromarray(indices.astype(np.uint8), 'P')
    image.putpalette([v for k in range(256) for v in ((k * 37) % 256, (k * 91) % 256, 128)])
    return image


def test_16_bit_grayscale_image_is_scaled_not_clipped(tmp_path):
    path = save_image(tmp_path / 'd.png', np.array([[0, 32768, 65535]], np.uint16))
    rgb = read_rgb(path)
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 3, 3)
    assert rgb[0, :, 0].tolist() == [0, 128, 255]


def test_grayscale_palette_and_opaque_alpha_images_become_rgb(tmp_path):
    assert read_rgb(save_image(tmp_path / 'g.png', np.full((2, 2), 7, np.uint8)))[0, 0].tolist() \
        == [7, 7, 7]
    palette_image(np.array([[1, 2]])).save(tmp_path / 'p.png')
    assert read_rgb(tmp_path / 'p.png')[0].tolist() == [[37, 91, 128], [74, 182, 128]]
    rgba = np.zeros((1, 2, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 255
    assert read_rgb(save_image(tmp_path / 'a.png', rgba))[0, 0].tolist() == [200, 0, 0]


def test_palette_label_map_is_read_by_index(tmp_path):
    palette_image(np.array([[0, 5, 39, 255]])).save(tmp_path / 'labels.png')
    assert read_label_map(tmp_path / 'labels.png').tolist() == [[0, 5, 39, 255]]


@pytest.mark.parametrize('kind, expected', [
    ('transparent', 'transparent pixels'), ('float', 'mode F'), ('truncated', 'cannot be decoded'),
    ('text', 'cannot be decoded'), ('missing', 'does not exist')])
def test_bad_images(tmp_path, unchanged, kind, expected):
    path = tmp_path / ('img.tiff' if kind == 'float' else 'img.png')
    if kind == 'transparent':
        save_image(path, np.zeros((2, 2, 4), np.uint8))
    elif kind == 'float':
        save_image(path, np.ones((2, 2), np.float32), 'F')
    elif kind == 'truncated':
        path.write_bytes(save_image(tmp_path / 'ok.png', np.ones((8, 8, 3), np.uint8) * 9)
                         .read_bytes()[:40])
    elif kind == 'text':
        path.write_text('not an image')
    unchanged()
    with pytest.raises((ValueError, FileNotFoundError), match=expected) as raised:
        read_rgb(path)
    assert 'img.' in str(raised.value)


@pytest.mark.parametrize('mode', ['RGB', 'RGBA'])
def test_colour_label_maps_are_refused_by_name(tmp_path, mode):
    path = save_image(tmp_path / 'l.png', np.zeros((2, 2, len(mode)), np.uint8), mode)
    with pytest.raises(ValueError, match=f'l.png" is a {mode} image: labels must be one class id'):
        read_label_map(path)


@pytest.mark.parametrize('kind, expected', [
    ('pickled', 'holds pickled Python objects .* np.save'), ('truncated', 'damaged|not a valid'),
    ('text', 'not a valid .npy'), ('npz', 'an .npz archive'), ('missing', 'does not exist')])
def test_bad_npy_files_name_the_file(tmp_path, unchanged, kind, expected):
    path = tmp_path / 'depth.npy'
    if kind == 'pickled':
        np.save(path, np.array([{'a': 1}], dtype=object), allow_pickle=True)
    elif kind == 'truncated':
        np.save(path, np.ones((64, 64), np.float32))
        path.write_bytes(path.read_bytes()[:200])
    elif kind == 'text':
        path.write_text('1 2 3')
    elif kind == 'npz':
        with open(path, 'wb') as f:
            np.savez(f, a=np.ones(2))
    unchanged()
    with pytest.raises((ValueError, FileNotFoundError), match=expected) as raised:
        load_npy(path, 'Depth')
    assert 'depth.npy' in str(raised.value)


def test_nyud_mt_empty_split_and_pickled_depth(tmp_path):
    sys.path.insert(0, str(ROOT / 'tests'))
    from nyud2_fixtures import make_nyud_mt_root
    from mtl.datasets.nyud2.dataset import NYUDv2Dataset
    make_nyud_mt_root(tmp_path / 'empty', [], ['b'])
    with pytest.raises(ValueError, match=r'train split .* has no samples.*gt_sets/train.txt'):
        NYUDv2Dataset(data_root=str(tmp_path / 'empty'), split='train', layout='nyud_mt')
    make_nyud_mt_root(tmp_path / 'r', ['a'], ['b'])
    dataset = NYUDv2Dataset(data_root=str(tmp_path / 'r'), split='train', layout='nyud_mt')
    np.save(tmp_path / 'r' / 'depth' / 'a.npy', np.array([None], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r'NYUD_MT depth file ".*depth/a.npy" holds pickled'):
        dataset[0]


def test_nyud_mt_palette_labels_are_read_by_index(tmp_path):
    sys.path.insert(0, str(ROOT / 'tests'))
    from nyud2_fixtures import HEIGHT, WIDTH, make_nyud_mt_root
    from mtl.datasets.nyud2.dataset import NYUDv2Dataset
    make_nyud_mt_root(tmp_path / 'r', ['a'], ['b'])
    indices = np.tile(np.array([0, 1, 40, 5]), (HEIGHT, WIDTH // 4))
    palette_image(indices).save(tmp_path / 'r' / 'segmentation' / 'a.png')
    sample = NYUDv2Dataset(data_root=str(tmp_path / 'r'), split='train', layout='nyud_mt')[0]
    assert sample['seg'][0, :4].tolist() == [255, 0, 39, 4]


# --- tools: the first line of stderr is the message ------------------------------------

def run_tool_in_process(monkeypatch, capsys, tool: str, *args) -> str:
    monkeypatch.setattr(sys, 'argv', [str(ROOT / 'tools' / tool), *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(ROOT / 'tools' / tool), run_name='__main__')
    assert exited.value.code == 1
    return capsys.readouterr().err


@pytest.mark.parametrize('tool, args, expected', [
    ('train.py', ['missing.py'], 'FileNotFoundError: Config file "missing.py" does not exist'),
    ('train.py', [TINY, '--cfg-options', 'train_cfg.max_iters=abc'], 'train_cfg.max_iters'),
    ('train.py', [TINY, '--work-dir', '{tmp}/w', '--resume'], '--resume: nothing to resume'),
    ('test.py', [TINY, '{tmp}/none.pth'], 'none.pth" does not exist'),
    ('infer.py', [TINY, '{tmp}/bad.pth', '{tmp}/x.png'], 'bad.pth": the file is empty'),
    ('lr_finder.py', ['missing.py'], 'missing.py'),
    ('benchmark.py', ['data', 'missing.py'], 'missing.py'),
    ('mean_depth_baseline.py', ['missing.py'], 'missing.py'),
    ('visualize_attention.py', [TINY, '{tmp}/none.pth'], 'none.pth'),
    ('prepare_nyud2.py', ['{tmp}/nowhere'], 'nowhere'),
])
def test_each_tool_prints_the_message_first(tmp_path, monkeypatch, capsys, tool, args, expected):
    (tmp_path / 'bad.pth').write_bytes(b'')
    args = [str(a).format(tmp=tmp_path) for a in args]
    err = run_tool_in_process(monkeypatch, capsys, tool, *args)
    first = err.splitlines()[0]
    assert expected in first and 'Traceback' not in err, err
    assert '--debug' in err.splitlines()[1]
    assert not (tmp_path / 'w').exists() or not list((tmp_path / 'w').glob('*.pth'))


def test_debug_flag_keeps_the_traceback(monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['train.py', 'missing.py', '--debug'])
    with pytest.raises(FileNotFoundError, match='missing.py'):
        runpy.run_path(str(ROOT / 'tools' / 'train.py'), run_name='__main__')


def test_checkpoint_of_another_class_count_fails_before_any_metric(tmp_path, monkeypatch,
                                                                    capsys):
    """The silent wrong result of the issue: tools/test.py used to log the size mismatch and
    write metrics of a partly random model."""
    from mmengine.registry import DefaultScope
    from mtl.registry import MODELS
    cfg = Config.fromfile(str(TINY))
    head = cfg.model.tasks.seg.head
    head.num_classes += 1
    with DefaultScope.overwrite_default_scope('mtl'):
        torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, tmp_path / 'other.pth')
    err = run_tool_in_process(monkeypatch, capsys, 'test.py', TINY, tmp_path / 'other.pth',
                              '--work-dir', tmp_path / 'w')
    first = err.splitlines()[0]
    assert first.startswith('CheckpointMismatchError: Checkpoint') and 'other.pth' in first
    assert f'model ({head.num_classes - 1}, ' in first and 'class or interval count' in first
    assert '--non-strict' in first
    assert not list((tmp_path / 'w').glob('metrics*.json'))
