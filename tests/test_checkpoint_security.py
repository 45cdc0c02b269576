"""No checkpoint runs code, through any entry point, local or served over HTTP.

A malicious checkpoint is served from a local HTTP server (127.0.0.1 only, stopped after the
module or after two minutes at the latest) and given to every entry point: the Python
loader, mmengine's loader, ``load_from``, ``--resume URL``, ``tools/test.py``,
``tools/infer.py`` and a backbone's ``checkpoint=``. Unpickling it would create a marker
file; afterwards neither our cache nor torch.hub's holds anything.
"""
import collections
import hashlib
import os
import runpy
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader

from mtl.engine.checkpoint import (CorruptCheckpointError, UnsafeCheckpointError, load_checkpoint,
                                   load_from_mtl)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'configs' / 'tiny_hps_synthrooms.py'


class Gadget:
    """Pickles as ``function(*args)``: what a hostile checkpoint embeds."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def touch_payload(marker: Path) -> Gadget:
    return Gadget(Path.touch, marker)  # pickles as getattr(pathlib.Path, 'touch')(marker)


def save(obj, path: Path) -> Path:
    torch.save(obj, path)
    return path


class Served:
    """Files served on 127.0.0.1; every request is recorded."""

    def __init__(self, files: dict):
        self.files, self.requests = files, []
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                served.requests.append(self.path)
                body = served.files.get(self.path.lstrip('/'))
                self.send_response(200 if body is not None else 404)
                self.send_header('Content-Length', str(len(body or b'')))
                self.end_headers()
                self.wfile.write(body or b'')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/'
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.deadline = threading.Timer(120, self.server.shutdown)
        self.deadline.start()

    def stop(self):
        self.deadline.cancel()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    """A server with an evil checkpoint (and a good one); the marker and cache folders."""
    folder = tmp_path_factory.mktemp('hostile')
    marker = folder / 'code_ran'
    evil = save({'state_dict': {}, 'meta': {'iter': 1, 'epoch': 0}, 'x': touch_payload(marker)},
                folder / 'evil.pth').read_bytes()
    good = save({'state_dict': {'w': torch.arange(3.0)}}, folder / 'good.pth').read_bytes()
    sha = hashlib.sha256(good).hexdigest()
    served = Served({'evil.pth': evil, 'good.pth': good, f'good-{sha[:8]}.pth': good,
                     f'bad-{"0" * 8}.pth': good})
    yield dict(url=served.url, marker=marker, sha=sha, served=served)
    served.stop()


@pytest.fixture
def caches(tmp_path, monkeypatch):
    cache, hub = tmp_path / 'mtl_cache', tmp_path / 'torch_home'
    monkeypatch.setenv('MTL_CHECKPOINT_CACHE', str(cache))
    monkeypatch.setenv('TORCH_HOME', str(hub))
    yield cache, hub


def left_in(*folders) -> list:
    return [p for folder in folders if folder.exists() for p in folder.rglob('*') if p.is_file()]


def test_the_payload_is_live_under_torch_hub_loader(hostile, tmp_path):
    """Control: torch.hub's loader (mmengine's stock http loader) runs the payload, and
    leaves the file in its cache; so the tests below would notice a path through it."""
    marker = tmp_path / 'ran'
    path = save({'x': touch_payload(marker)}, tmp_path / 'evil_control.pth')
    hostile['served'].files['evil_control.pth'] = path.read_bytes()
    torch.hub.load_state_dict_from_url(hostile['url'] + 'evil_control.pth',
                                       model_dir=str(tmp_path / 'hub'), weights_only=False)
    assert marker.exists() and left_in(tmp_path / 'hub')


def test_every_mmengine_scheme_goes_through_our_loader():
    assert CheckpointLoader._schemes and all(
        loader is load_from_mtl for loader in CheckpointLoader._schemes.values())
    for name in ('http://h/x.pth', 'https://h/x.pth', 'torchvision://resnet50', '/tmp/x.pth',
                 'open-mmlab://resnet50_v1c', 'mmcls://x', 's3://b/x.pth', 'pavi://x'):
        assert CheckpointLoader._get_checkpoint_loader(name) is load_from_mtl


@pytest.mark.parametrize('entry', ['api', 'mmengine', 'backbone'])
def test_url_entry_points_in_process_refuse_and_leave_nothing(hostile, caches, entry):
    url = hostile['url'] + 'evil.pth'
    with pytest.raises(UnsafeCheckpointError, match='Refusing to load .*evil.pth.*pathlib'):
        if entry == 'api':
            load_checkpoint(url, map_location='cpu')
        elif entry == 'mmengine':
            CheckpointLoader.load_checkpoint(url, map_location='cpu')
        else:
            from mtl.models.backbones.timm_backbone import TimmBackbone
            TimmBackbone('resnet10t', checkpoint=url)
    assert not hostile['marker'].exists()
    assert left_in(*caches) == []


def test_load_from_url_in_a_runner_refuses(hostile, caches, tmp_path):
    cfg = Config.fromfile(str(TINY))
    cfg.work_dir, cfg.load_from = str(tmp_path / 'work'), hostile['url'] + 'evil.pth'
    runner = Runner.from_cfg(cfg)
    with pytest.raises(UnsafeCheckpointError):
        runner.load_or_resume()
    assert not hostile['marker'].exists() and left_in(*caches) == []


@pytest.mark.parametrize('tool', ['train --resume', 'train load_from', 'test', 'infer'])
def test_url_through_the_tools_refuses_and_leaves_nothing(hostile, caches, tmp_path, tool,
                                                          monkeypatch, capsys):
    url, work = hostile['url'] + 'evil.pth', tmp_path / 'work'
    image = tmp_path / 'img.png'
    from PIL import Image
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(image)
    script, *args = {
        'train --resume': ['train.py', TINY, '--work-dir', work, '--resume', url],
        'train load_from': ['train.py', TINY, '--work-dir', work, '--cfg-options',
                            f'load_from={url}'],
        'test': ['test.py', TINY, '--work-dir', work, '--checkpoint', url],
        'infer': ['infer.py', TINY, url, image, '--out-dir', work / 'pred']}[tool]
    monkeypatch.setattr(sys, 'argv', [script, *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(ROOT / 'tools' / script), run_name='__main__')
    first_line = capsys.readouterr().err.splitlines()[0]
    assert exited.value.code == 1
    assert first_line.startswith('UnsafeCheckpointError: Refusing to load')
    assert 'evil.pth' in first_line
    assert not hostile['marker'].exists()
    assert left_in(*caches) == []
    assert not list(work.rglob('*.pth')) and not (work / 'pred').exists()


def test_good_url_is_cached_and_verified_by_the_hash_in_its_name(hostile, caches):
    url = hostile['url'] + f'good-{hostile["sha"][:8]}.pth'
    assert torch.equal(load_checkpoint(url)['state_dict']['w'], torch.arange(3.0))
    requests = len(hostile['served'].requests)
    assert torch.equal(load_checkpoint(url)['state_dict']['w'], torch.arange(3.0))
    assert len(hostile['served'].requests) == requests  # second load from the cache
    assert [p.name for p in left_in(caches[0])] == [f'good-{hostile["sha"][:8]}.pth']


@pytest.mark.parametrize('how', ['name', 'fragment', 'argument'])
def test_wrong_sha256_is_refused_and_not_cached(hostile, caches, how):
    url = hostile['url'] + ('bad-00000000.pth' if how == 'name' else 'good.pth')
    url += '#sha256=' + 'f' * 64 if how == 'fragment' else ''
    sha256 = 'e' * 64 if how == 'argument' else None
    with pytest.raises(ValueError, match=f'has SHA-256 {hostile["sha"]}, expected'):
        load_checkpoint(url, sha256=sha256)
    assert left_in(caches[0]) == []


def test_right_sha256_argument_loads(hostile, caches):
    url = hostile['url'] + 'good.pth#sha256=' + hostile['sha']
    assert torch.equal(load_checkpoint(url)['state_dict']['w'], torch.arange(3.0))


def test_unreachable_url_says_so(caches):
    with pytest.raises(ConnectionError, match='Could not download checkpoint .*local path'):
        load_checkpoint('http://127.0.0.1:9/nothing.pth')
    assert left_in(caches[0]) == []


# The allow-list, end to end: gadgets that only the getattr stand-in stops.
GADGETS = {
    'HistoryBuffer.__init__': Gadget(getattr, HistoryBuffer, '__init__'),
    'HistoryBuffer.update': Gadget(getattr, HistoryBuffer, 'update'),
    'HistoryBuffer.register_statistics': Gadget(getattr, HistoryBuffer, 'register_statistics'),
    'HistoryBuffer.__class__': Gadget(getattr, HistoryBuffer, '__class__'),
    'ndarray.tofile': Gadget(getattr, np.ndarray, 'tofile'),
    'os.system': Gadget(os.system, 'true'),
    'Path.touch': Gadget(Path.touch, '/nonexistent/x'),
}


@pytest.mark.parametrize('name', sorted(GADGETS))
def test_gadgets_are_refused_end_to_end(tmp_path, name):
    path = save({'state_dict': {'w': torch.ones(1)}, 'x': GADGETS[name]}, tmp_path / 'g.pth')
    with pytest.raises(UnsafeCheckpointError, match='Refusing to load .*g.pth'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def test_history_buffer_statistics_are_the_only_getattr_allowed(tmp_path):
    path = save({'x': Gadget(getattr, HistoryBuffer, 'mean')}, tmp_path / 'ok.pth')
    assert load_checkpoint(str(path))['x'] is HistoryBuffer.mean


def test_set_and_counter_load_as_torch_allows_them(tmp_path):
    """Deliberate: plain data containers from torch's own weights-only list (README)."""
    path = save({'s': {1, 2}, 'c': collections.Counter('aab')}, tmp_path / 'c.pth')
    loaded = load_checkpoint(str(path))
    assert loaded['s'] == {1, 2} and loaded['c'] == collections.Counter(a=2, b=1)


def test_torch_builtin_allow_list_is_what_the_readme_states():
    """If torch widens its weights-only list, the README's promise must be re-checked."""
    from torch._weights_only_unpickler import _get_allowed_globals
    non_torch = {name for name in _get_allowed_globals() if not name.startswith('torch.')}
    assert non_torch == {'_codecs.encode', 'builtins.bytearray', 'builtins.complex',
                         'builtins.set', 'collections.Counter', 'collections.OrderedDict'}
    readme = (ROOT / 'README.md').read_text()
    for name in ('set', 'Counter', 'complex', 'bytearray', 'OrderedDict'):
        assert f'`{name}`' in readme


@pytest.mark.parametrize('content, cause', [
    (b'', 'empty'), (b'\0' * 2048, 'zero-filled'), (b'hello world\n', 'not a PyTorch checkpoint'),
    ('half', 'half-written')])
def test_damaged_files_fail_with_one_line_naming_file_and_cause(tmp_path, content, cause):
    path = tmp_path / 'bad.pth'
    if content == 'half':
        content = save({'state_dict': {'w': torch.ones(100)}}, path).read_bytes()[:300]
    path.write_bytes(content)
    with pytest.raises(CorruptCheckpointError, match=f'bad.pth.*{cause}') as error:
        CheckpointLoader.load_checkpoint(str(path))
    assert '\n' not in str(error.value) and 'weights_only' not in str(error.value)
