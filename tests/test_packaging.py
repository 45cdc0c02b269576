"""A plain (non-editable) ``pip install`` ships the configs and the ``mtl`` command: from
a directory outside the checkout, with only the installed copy importable, ``mtl configs``
lists the configs and ``mtl train NAME`` / ``mtl infer NAME CKPT IMG`` run."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
TINY = ['model.backbone.model_name=resnet10t', 'train_cfg.max_iters=1', 'train_cfg.val_interval=100',
        'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=2', 'train_dataloader.dataset.num_samples=2',
        'train_dataloader.dataset.img_size=(32,48)', 'test_dataloader.dataset.img_size=(32,48)']


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> Path:
    """``pip install --target`` of a copy of the source tree (a build writes into it)."""
    source, target = tmp_path_factory.mktemp('src'), tmp_path_factory.mktemp('site')
    for name in ('mtl', 'configs'):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns('__pycache__'))
    for name in ('setup.py', 'README.md'):
        shutil.copy(ROOT / name, source / name)
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '--no-index',
         '--quiet', '--target', str(target), str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return target


def mtl(installed: Path, cwd: Path, *args):
    env = dict(os.environ, PYTHONPATH=str(installed))  # not the checkout
    return subprocess.run([sys.executable, str(installed / 'bin' / 'mtl'), *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=400)


def test_install_ships_configs_and_the_command(installed, tmp_path):
    assert (installed / 'mtl' / '.mim' / 'configs' / '_base_' / 'default_runtime.py').is_file()
    which = subprocess.run([sys.executable, '-c', 'import mtl; print(mtl.__file__)'], cwd=tmp_path,
                           env=dict(os.environ, PYTHONPATH=str(installed)), capture_output=True, text=True)
    assert which.stdout.startswith(str(installed))  # the tests below run the installed copy
    listing = mtl(installed, tmp_path, 'configs')
    assert listing.returncode == 0, listing.stderr
    assert {'hps_synthrooms', 'jiao_nyud2_40c', 'jiao_ablation/synthrooms_7_full'} <= set(listing.stdout.split())
    unknown = mtl(installed, tmp_path, 'tarin')
    assert unknown.returncode != 0 and 'unknown command "tarin"' in unknown.stderr


def test_train_and_infer_by_config_name_outside_the_checkout(installed, tmp_path):
    trained = mtl(installed, tmp_path, 'train', 'hps_synthrooms', '--work-dir', 'work', '--no-test',
                  '--cfg-options', *TINY)
    assert trained.returncode == 0, trained.stderr[-3000:]
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / 'room.png')
    inferred = mtl(installed, tmp_path, 'infer', 'hps_synthrooms', 'work/iter_1.pth', 'room.png',
                   '--out-dir', 'out', '--save-npy', '--cfg-options', 'model.backbone.model_name=resnet10t')
    assert inferred.returncode == 0, inferred.stderr[-3000:]
    assert np.load(tmp_path / 'out' / 'room_depth.npy').shape == (20, 30)
