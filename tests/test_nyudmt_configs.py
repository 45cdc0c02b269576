"""The NYUD-MT configs (configs/nyudmt/): each builds the tasks, losses and evaluators it
declares, and trains a few iterations and evaluates on a tiny NYUD_MT tree (the release's
file formats) with a tiny backbone; the four tasks' targets reach their metrics."""
import inspect
import shutil
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from nyud2_fixtures import make_nyud_mt_root

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
TASKS = ('depth', 'seg', 'normals', 'contours')
METRICS = dict(depth='DepthMetric', seg='SegMetric', normals='NormalMetric',
               contours='BoundaryFMetric')
# config: the tasks it predicts
NYUDMT = {'hps.py': TASKS, **{f'single_{t}.py': (t,) for t in TASKS}}


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / 'nyudmt' / name))


def tiny(node):
    """The same config with timm's 8-channel test ResNet and 8-channel decoders, in place."""
    if isinstance(node, dict):
        if 'model_name' in node:
            node.update(model_name='test_resnet', pretrained=False)
        if node.get('type') == 'PyramidPoolingDecoder':
            node['channels'] = 8
        for value in node.values():
            tiny(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            tiny(value)
    return node


@pytest.fixture
def nyud_mt_root(tmp_path, shared_data):
    root = tmp_path / 'NYUD_MT'
    make_nyud_mt_root(root, ['0000', '0001', '0002', '0003'], ['0100', '0101'])
    shutil.copyfile(shared_data / 'nyudv2' / 'classMapping40.mat', root / 'classMapping40.mat')
    return root


def runner_for(cfg: Config, root: Path, work_dir: Path) -> Runner:
    """Two training iterations (batch 2, crops of 8x12) and one evaluation of the test split."""
    tiny(cfg.model)
    cfg.train_dataloader.dataset.pipeline[0]['crop_size'] = (8, 12)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root)
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.visualization.num_val_samples = 0
    cfg.vis_backends = cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return Runner(**{k: v for k, v in cfg.items() if k in keys})


@pytest.mark.parametrize('name', sorted(NYUDMT))
def test_config_declares_its_tasks_losses_and_metrics(name):
    cfg = load(name)
    tasks = NYUDMT[name]
    assert tuple(cfg.model.tasks) == tasks
    assert [n.split('.')[0] for n in cfg.model.losses] == list(tasks)
    assert [e['type'] for e in cfg.test_evaluator] == [METRICS[t] for t in tasks]
    assert cfg.train_dataloader.dataset.split == 'train'
    assert cfg.val_dataloader.dataset.split == cfg.test_dataloader.dataset.split == 'test'


@pytest.mark.parametrize('name', sorted(NYUDMT))
def test_config_trains_and_evaluates_on_a_tiny_nyud_mt_tree(name, nyud_mt_root, tmp_path):
    runner = runner_for(load(name), nyud_mt_root, tmp_path / 'work')
    runner.train()
    assert runner.iter == 2
    metrics = runner.test()
    expected = dict(depth='depth/abs_rel', seg='seg/miou', normals='normals/mean_angle',
                    contours='contours/ods_f')
    for task in NYUDMT[name]:
        assert expected[task] in metrics, sorted(metrics)
