"""The example third-party package installs with its own setup.py, registers its
components on import, and its config (no custom_imports) trains with the unchanged
tools/train.py because installing it declared the ``mtl.plugins`` entry point; from a
source folder (no entry point) ``custom_imports`` still brings it in."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / 'plugins' / 'mtl_plugin_example'


@pytest.fixture(scope='module')
def installed_plugin(tmp_path_factory) -> Path:
    # built from a copy: a build writes egg-info into its source folder, which would give
    # the source folder an entry point and hide the custom_imports case below
    source = tmp_path_factory.mktemp('plugin') / PLUGIN.name
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns('build', '*.egg-info', '__pycache__'))
    target = tmp_path_factory.mktemp('site')
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '--no-index',
         '--quiet', '--target', str(target), str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (target / 'mtl_plugin_example' / '__init__.py').exists()
    return target


def test_plugin_components_register_and_compute(installed_plugin, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_plugin))
    import mtl_plugin_example  # noqa: F401
    from mtl.registry import MODELS
    gate = MODELS.build(dict(type='CrossTaskGate', tasks=['a', 'b'], channels={'a': 4, 'b': 4}))
    a, b = torch.ones(1, 4, 2, 2), torch.zeros(1, 4, 2, 2)
    out = gate({'a': a, 'b': b})
    # x_t + g_t(x_t) ⊙ (other task): a receives g·0, b receives g_b(b)·a with small gates
    assert torch.equal(out['a'], a)
    assert torch.allclose(out['b'], gate.gates['b'](b) * a)
    assert 0 < out['b'].max() < 0.1
    loss = MODELS.build(dict(type='LogL1Loss'))
    pred, gt = torch.tensor([[[[2.0, 1.0]]]]), torch.tensor([[[[1.0, 1.0]]]])
    assert loss(pred, gt).item() == pytest.approx(torch.log(torch.tensor(2.0)).item() / 2)


def test_plugin_gate_implements_the_task_gated_contract(installed_plugin, monkeypatch):
    """Under partial supervision a sample without task a's target sends no gradient into
    a's feature through the gate; values are unchanged."""
    monkeypatch.syspath_prepend(str(installed_plugin))
    import mtl_plugin_example  # noqa: F401
    from mtl.models.base import TaskGated
    from mtl.registry import MODELS
    gate = MODELS.build(dict(type='CrossTaskGate', tasks=['a', 'b'], channels={'a': 4, 'b': 4},
                             lr_mult=5.0))
    assert isinstance(gate, TaskGated) and gate.lr_mult == 5.0
    a = torch.ones(2, 4, 2, 2, requires_grad=True)
    b = torch.ones(2, 4, 2, 2)
    ungated = gate({'a': a, 'b': b})['b']
    gate.set_task_presence({'a': torch.tensor([True, False]), 'b': torch.tensor([True, True])})
    gated = gate({'a': a, 'b': b})['b']
    assert torch.equal(gated, ungated)
    gated.sum().backward()
    assert a.grad[0].abs().sum() > 0 and a.grad[1].abs().sum() == 0


def test_plugin_config_trains_with_unchanged_train_tool(installed_plugin, tmp_path):
    config = PLUGIN / 'configs' / 'gated_synthrooms.py'
    assert 'custom_imports' not in Config.fromfile(str(config))  # only the entry point brings it in
    entry_points = next(installed_plugin.glob('*.dist-info')) / 'entry_points.txt'
    assert 'mtl.plugins' in entry_points.read_text()
    # The plugin first; then this checkout (the PYTHONPATH the tests run with), not the
    # editable install, so that the plugin meets the mtl under test.
    paths = [str(installed_plugin), os.environ.get('PYTHONPATH', '')]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    tiny = ['train_cfg.max_iters=2', 'train_cfg.val_interval=100',
            'model.backbone.model_name=resnet10t',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'train_dataloader.batch_size=2', 'train_dataloader.dataset.num_samples=4',
            'train_dataloader.dataset.img_size=(32,48)']
    result = subprocess.run(
        [sys.executable, 'tools/train.py', str(PLUGIN / 'configs' / 'gated_synthrooms.py'),
         '--work-dir', str(tmp_path), '--no-test', '--cfg-options', *tiny],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'loss_depth.logl1' in log
    assert (tmp_path / 'iter_2.pth').exists()


BUILD_GATE = """
from mmengine.config import Config
from mtl.registry import MODELS
cfg = Config.fromfile({config!r})
gate = MODELS.build(dict(cfg.gate, tasks=['a', 'b'], channels={{'a': 4, 'b': 4}}))
print(type(gate).__module__)
"""


@pytest.mark.parametrize('custom_imports', [True, False])
def test_custom_imports_still_work_for_a_source_folder(tmp_path, custom_imports):
    config = tmp_path / 'cfg.py'
    lines = ["gate = dict(type='CrossTaskGate')"]
    if custom_imports:
        lines.append("custom_imports = dict(imports=['mtl_plugin_example'], allow_failed_imports=False)")
    config.write_text('\n'.join(lines) + '\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PLUGIN), str(ROOT)]))  # no dist-info
    result = subprocess.run([sys.executable, '-c', BUILD_GATE.format(config=str(config))],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    if custom_imports:
        assert result.returncode == 0, result.stderr[-3000:]
        assert 'mtl_plugin_example.cross_task_gate' in result.stdout
    else:
        assert result.returncode != 0 and 'custom_imports' in result.stderr  # the error's hint
