"""Dataset values flow from the dataset's metainfo, a component that disagrees fails before
the first iteration naming both config keys, and every checkpoint carries the meta."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader, Runner

import mtl.engine  # noqa: F401  (safe checkpoint loading)
from mtl.datasets.synthrooms import SynthRoomsDataset
from mtl.engine.dataset_meta_check import disagreements
from mtl.evaluation.depth_metric import DepthMetric
from mtl.evaluation.seg_metric import SegMetric
from mtl.structures import metainfo_values

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'configs' / 'tiny_hps_synthrooms.py'
FOUR = Config.fromfile(str(ROOT / 'configs/_base_/datasets/synthrooms_4c.py')).metainfo


def tiny_runner(work_dir, **overrides) -> Runner:
    cfg = Config.fromfile(str(TINY))
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    cfg.merge_from_dict(overrides)
    return Runner.from_cfg(cfg)


def test_a_mismatch_fails_before_the_first_iteration_naming_both_keys(tmp_path):
    runner = tiny_runner(tmp_path, **{
        'model.tasks.seg.head.num_classes': 4, 'model.tasks.depth.head.max_depth': 80.0,
        'val_evaluator': [dict(type='DepthMetric'), dict(type='SegMetric', num_classes=40)]})
    with pytest.raises(ValueError) as error:
        runner.train()
    message = str(error.value)
    assert ('model.tasks.seg.head.num_classes=4, but train_dataloader.dataset metainfo has '
            '13 classes') in message
    assert ('model.tasks.depth.head.max_depth=80.0, but train_dataloader.dataset metainfo has '
            'depth_range=(0.001, 10.0)') in message
    assert 'val_evaluator[1].num_classes=40, but val_dataloader.dataset metainfo has 13 classes' \
        in message
    assert 'val_evaluator[0]' not in message  # it took the range from the dataset
    assert runner.iter == 0 and not list(tmp_path.glob('*.pth'))


def test_the_check_compares_only_what_both_state():
    meta = dict(classes=('a', 'b'), depth_range=(0.5, 20.0), ignore_index=255)
    assert metainfo_values(meta) == dict(num_classes=2, min_depth=0.5, max_depth=20.0,
                                         ignore_index=255)
    components = {'model.tasks.seg.head': dict(num_classes=2),
                  'model.losses["depth.da"]': dict(max_depth=10.0),
                  'model.tasks.other.head': dict(num_bins=8)}
    assert disagreements(components, meta, 'train_dataloader.dataset') == [
        'model.losses["depth.da"].max_depth=10.0, but train_dataloader.dataset metainfo has '
        'depth_range=(0.5, 20.0)']
    assert disagreements(components, dict(targets=('depth',)), 'x') == []


def test_metrics_take_the_values_the_config_leaves_open_from_dataset_meta():
    seg, depth = SegMetric(), DepthMetric()
    seg.dataset_meta = depth.dataset_meta = dict(FOUR)
    assert (seg.num_classes, seg.class_names) == (4, ('floor', 'structure', 'furniture', 'prop'))
    assert (depth.min_depth, depth.max_depth) == (1e-3, 10.0)
    pred = gt = torch.tensor([[0, 1], [2, 3]])
    seg.process({}, [{'pred': {'seg': pred}, 'gt': {'seg': gt}, 'meta': {}}])
    result = seg.compute_metrics(seg.results)
    assert result['iou/furniture'] == 1.0 and result['acc/prop'] == 1.0
    assert 'furniture' in seg.class_table(torch.ones(4), torch.ones(4))


def test_metrics_without_a_value_or_a_meta_say_how_to_fix_it():
    sample = {'pred': {'seg': torch.zeros(2, 2).long(), 'depth': torch.ones(1, 2, 2)},
              'gt': {'seg': torch.zeros(2, 2).long(), 'depth': torch.ones(1, 2, 2)}}
    with pytest.raises(ValueError, match='does not know num_classes: give num_classes in the'):
        SegMetric().process({}, [sample])
    with pytest.raises(ValueError, match='does not know min_depth and max_depth: give'):
        DepthMetric().process({}, [sample])


def test_a_metric_never_scores_against_a_dataset_it_disagrees_with():
    metric = SegMetric(num_classes=13)
    metric.dataset_meta = dict(FOUR)
    assert metric.num_classes == 13  # the config's value is kept ...
    with pytest.raises(ValueError, match='num_classes=13, but the evaluated dataset'):
        metric.process({}, [])  # ... and refused


def test_the_config_values_reach_the_dataset_and_are_checked_against_the_data():
    dataset = SynthRoomsDataset(split='val', num_samples=1, num_classes=4, metainfo=FOUR)
    assert dataset.metainfo['classes'] == FOUR['classes']
    assert dataset.metainfo['depth_range'] == (1e-3, 10.0)
    with pytest.raises(ValueError, match=r'SynthRoomsDataset.metainfo.classes names 4 classes, '
                                         r'but the data has 13'):
        SynthRoomsDataset(split='val', num_samples=1, num_classes=13, metainfo=FOUR)
    swapped = ('structure', 'floor', 'furniture', 'prop')
    with pytest.raises(ValueError, match=r"metainfo.classes\[0\] is 'structure', but the data "
                                         r"calls label 0 'floor'"):
        SynthRoomsDataset(split='val', num_samples=1, num_classes=4,
                          metainfo=dict(FOUR, classes=swapped))
    with pytest.raises(ValueError, match='palette has 3 colours for 4 classes'):
        SynthRoomsDataset(split='val', num_samples=1, num_classes=4,
                          metainfo=dict(FOUR, palette=FOUR['palette'][:3]))
    with pytest.raises(ValueError, match='ignore_index is 0'):
        SynthRoomsDataset(split='val', num_samples=1, metainfo=dict(ignore_index=0))
    with pytest.raises(ValueError, match='depth_range needs 0 <= min_depth < max_depth'):
        SynthRoomsDataset(split='val', num_samples=1, metainfo=dict(depth_range=(5, 1)))
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['colours'\]"):
        SynthRoomsDataset(split='val', num_samples=1, metainfo=dict(colours=()))


def test_every_checkpoint_carries_the_dataset_meta(tmp_path):
    runner = tiny_runner(tmp_path, **{'train_cfg.max_iters': 1, 'train_cfg.val_interval': 10,
                                      'default_hooks.checkpoint.interval': 1})
    runner.train()
    checkpoint = CheckpointLoader.load_checkpoint(str(tmp_path / 'iter_1.pth'))
    meta = checkpoint['meta']['dataset_meta']
    assert meta == runner.train_dataloader.dataset.metainfo
    assert meta['depth_range'] == (1e-3, 10.0) and len(meta['palette']) == 13
