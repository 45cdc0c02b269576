"""Every config parses, inherits at most three levels, and restates no dataset value: depth
ranges, class counts and names live in the dataset base configs and nowhere in the code."""
import ast
import inspect
import re
from pathlib import Path

import pytest
from mmengine.config import Config

from mtl.datasets.transforms.derived import DepthToNormalizedLog
from mtl.evaluation.depth_metric import DepthMetric
from mtl.evaluation.seg_metric import SegMetric
from mtl.models.heads.depth import DepthHead
from mtl.models.heads.depth_interval import DepthIntervalHead
from mtl.models.heads.normalized_log_depth import NormalizedLogDepthHead
from mtl.models.heads.segmentation import SegHead
from mtl.models.losses.depth_aware import DepthAwareLoss

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / 'configs').rglob('*.py'))
MAX_LEVELS = 3


def bases(path: Path) -> list:
    """The files a config's ``_base_`` names, read without executing the config."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '_base_'
                                                for t in node.targets):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else value
            return [(path.parent / name).resolve() for name in names]
    return []


def levels(path: Path) -> int:
    """Inheritance depth: 0 for a config without bases, else 1 + its deepest base's."""
    return max((1 + levels(base) for base in bases(path)), default=0)


def test_the_walk_finds_the_configs():
    names = {p.relative_to(ROOT / 'configs').as_posix() for p in CONFIGS}
    assert {'hps_synthrooms.py', 'jiao_nyud2_40c.py', 'jiao_ablation/nyud2_4c_1_depth.py',
            'multidepth_ablation/learned.py', '_base_/datasets/kitti_eigen.py'} <= names


def test_levels_are_counted_along_the_deepest_chain(tmp_path):
    (tmp_path / 'a.py').write_text('x = 1\n')
    (tmp_path / 'b.py').write_text("_base_ = './a.py'\n")
    (tmp_path / 'c.py').write_text("_base_ = ['./a.py', './b.py']\n")
    assert [levels(tmp_path / n) for n in ('a.py', 'b.py', 'c.py')] == [0, 1, 2]


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_config_builds_and_inherits_at_most_three_levels(path):
    assert levels(path) <= MAX_LEVELS, f'{path} inherits {levels(path)} levels'
    Config.fromfile(str(path))


def test_each_dataset_family_states_its_values_in_one_place():
    # stated as variables once (min_depth, max_depth = 1e-3, 10.0; num_classes =
    # len(class_names)) and referred to everywhere else ({{_base_.max_depth}})
    stated = re.compile(r'^min_depth, max_depth = ')
    restated = re.compile(r'\b(min_depth|max_depth|num_classes)\s*=\s*[-+.\d]')
    lines = [(p.relative_to(ROOT / 'configs').as_posix(), line) for p in CONFIGS
             for line in p.read_text().splitlines()]
    assert sorted(p for p, line in lines if stated.match(line)) == [
        '_base_/datasets/kitti_depth.py', '_base_/datasets/nyud2_40c.py',
        '_base_/datasets/synthrooms.py']
    found = [f'{p}: {line}' for p, line in lines
             if restated.search(line) and not stated.match(line)]
    assert not found, found


@pytest.mark.parametrize('component, names', [
    (DepthHead, ('min_depth', 'max_depth')), (DepthAwareLoss, ('max_depth',)),
    (SegHead, ('num_classes',)), (DepthMetric, ('min_depth', 'max_depth')),
    (SegMetric, ('num_classes', 'class_names')), (NormalizedLogDepthHead, ('d_min', 'd_max')),
    (DepthIntervalHead, ('d_min', 'd_max')), (DepthToNormalizedLog, ('d_min', 'd_max'))])
def test_no_code_default_stands_in_for_a_dataset_value(component, names):
    # required, or None = read from the dataset's metainfo (metrics)
    params = inspect.signature(component.__init__).parameters
    for name in names:
        assert params[name].default in (inspect.Parameter.empty, None), (component, name)


@pytest.mark.parametrize('name, values', [
    ('nyud2_40c', dict(min_depth=1e-3, max_depth=10.0, num_classes=40)),
    ('nyud2_13c', dict(min_depth=1e-3, max_depth=10.0, num_classes=13)),
    ('nyud2_4c', dict(min_depth=1e-3, max_depth=10.0, num_classes=4)),
    ('kitti_eigen', dict(min_depth=1e-3, max_depth=80.0, num_classes=0)),
    ('synthrooms', dict(min_depth=1e-3, max_depth=10.0, num_classes=13)),
    ('synthrooms_4c', dict(min_depth=1e-3, max_depth=10.0, num_classes=4))])
def test_dataset_configs_give_their_values_to_every_split(name, values):
    cfg = Config.fromfile(str(ROOT / 'configs/_base_/datasets' / f'{name}.py'))
    assert (cfg.min_depth, cfg.max_depth, len(cfg.metainfo.classes)) == tuple(values.values())
    assert len(cfg.metainfo.palette) == len(cfg.metainfo.classes)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        meta = cfg[loader].dataset.metainfo
        assert tuple(meta.depth_range) == (values['min_depth'], values['max_depth']), loader
        assert len(meta.classes) == values['num_classes'] == len(meta.palette), loader
