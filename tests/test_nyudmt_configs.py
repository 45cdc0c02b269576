"""The NYUD-MT configs (configs/nyudmt/): each builds the tasks, losses and evaluators it
declares, and trains a few iterations and evaluates on a tiny NYUD_MT tree (the release's
file formats) with a tiny backbone; the four tasks' targets reach their metrics."""
import inspect
import shutil
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mtl.registry import MODELS
from mtl.utils.single_task import single_task_config

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from nyud2_fixtures import make_nyud_mt_root, tiny_nyud_mt_run

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
TASKS = ('depth', 'seg', 'normals', 'contours')
METRICS = dict(depth='DepthMetric', seg='SegMetric', normals='NormalMetric',
               contours='BoundaryFMetric')
# config: the tasks it predicts
NYUDMT = {'hps.py': TASKS, 'crossstitch.py': TASKS, 'padnet.py': TASKS,
          **{f'single_{t}.py': (t,) for t in TASKS}}


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / 'nyudmt' / name))


def tiny(node):
    """The same config with timm's 8-channel test ResNet and narrow decoders, in place."""
    if isinstance(node, dict):
        if 'model_name' in node:
            node.update(model_name='test_resnet', pretrained=False)
        if node.get('type') in ('PyramidPoolingDecoder', 'MultiScaleAggregation'):
            node['channels'] = 8
        if node.get('type') == 'DeconvDecoder':
            node['channels'] = (8, 8, 8)[:len(node['channels'])]
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
    tiny_nyud_mt_run(cfg, root)
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return Runner(**{k: v for k, v in cfg.items() if k in keys})


@pytest.mark.parametrize('name', sorted(NYUDMT))
def test_config_declares_its_tasks_losses_and_metrics(name):
    cfg = load(name)
    tasks = NYUDMT[name]
    assert tuple(cfg.model.tasks) == tasks
    assert {n.split('.')[0].split('@')[0] for n in cfg.model.losses} == set(tasks)
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


@pytest.mark.parametrize('task', TASKS)
def test_single_task_configs_are_the_baselines_derived_from_hard_sharing(task):
    """configs/nyudmt/single_<task>.py = what tools/baselines.py derives from hps.py."""
    derived, notes = single_task_config(load('hps.py'), task)
    explicit = load(f'single_{task}.py')
    assert notes == []
    for key in ('test_evaluator', 'train_cfg', 'optim_wrapper', 'train_dataloader'):
        assert explicit[key] == derived[key], key
    for key in ('type', 'data_preprocessor', 'backbone', 'tasks', 'losses'):
        assert explicit.model[key] == derived.model[key], key
    assert not explicit.model.get('interactions') and not derived.model.get('interactions')
    weights = [MODELS.build(dict(c.model.combiner, loss_names=list(c.model.losses))).weights
               for c in (explicit, derived)]
    assert weights[0] == weights[1] == dict(
        depth={'depth.l1': 1.0}, seg={'seg.ce': 1.0}, normals={'normals.l1': 10.0},
        contours={'contours.bce': 50.0})[task]


def test_padnet_distils_into_all_four_final_tasks():
    cfg = load('padnet.py')
    tiny(cfg.model)
    model = MODELS.build(cfg.model)
    assert list(model.predict_plan.outputs) == list(TASKS)
    assert model.interactions['distill'].tasks == list(TASKS)
    assert {t: model.task_cfg[t]['deep_supervision'] for t in TASKS} == {t: (1,) for t in TASKS}
    assert model.combiner.weights['normals@1.l2'] == model.combiner.weights[
        'contours@1.bce'] == 0.8
    assert model.combiner.weights['normals.l2'] == model.combiner.weights['depth.l2'] == 1.0
