"""The NYU Depth v2 base configs: Jiao's protocol, and datasets built from them."""
from pathlib import Path

import pytest
from mmengine.config import Config
from nyud2_fixtures import make_nyu_root

from mtl.registry import DATASETS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs' / '_base_' / 'datasets'


@pytest.mark.parametrize('num_classes', [4, 13, 40])
def test_dataset_built_from_each_config(tmp_path, shared_data, num_classes):
    cfg = Config.fromfile(CONFIGS / f'nyud2_{num_classes}c.py')
    root = make_nyu_root(tmp_path / 'nyud2', shared_data)
    built = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset_cfg = cfg[loader]['dataset'].to_dict()
        assert dataset_cfg['num_classes'] == num_classes
        dataset_cfg.update(data_root=str(root), pipeline=[])
        built[loader] = DATASETS.build(dataset_cfg)
    assert built['train_dataloader'].split == 'train' and len(built['train_dataloader']) == 4
    assert built['test_dataloader'].split == 'test'
    seg_metric = cfg.val_evaluator[1]
    assert seg_metric['type'] == 'SegMetric' and seg_metric['num_classes'] == num_classes
    assert tuple(seg_metric['class_names']) == built['val_dataloader'].metainfo['classes']
    assert cfg.test_evaluator == cfg.val_evaluator


def test_jiao_protocol():
    cfg = Config.fromfile(CONFIGS / 'nyud2_40c.py')
    assert cfg.data_root == 'data/nyud2' and cfg.dataset_type == 'NYUDv2Dataset'
    train = cfg.train_dataloader
    assert train.sampler == dict(type='DefaultSampler', shuffle=True)
    assert train.collate_fn == dict(type='mtl_collate') and train.batch_size == 12
    assert not train.dataset.val_from_train  # all 795 training frames, as in the papers
    steps = {t['type']: t for t in train.dataset.pipeline}
    assert list(steps) == ['Crop', 'Resize', 'RandomRotation', 'RandomTranslation',
                           'RandomHorizontalFlip', 'ColorJitter', 'RandomContrast']
    top, left, bottom, right = steps['Crop']['box']
    assert (bottom - top) * 4 == (right - left) * 3  # the crop keeps 3:4 for the resize
    assert 7 <= top and 7 <= left and bottom <= 474 and right <= 632  # inside the border
    assert steps['Resize']['size'] == (240, 320)
    assert steps['RandomRotation']['max_degrees'] == 5.0
    assert steps['ColorJitter']['range'] == (0.8, 1.2)
    assert steps['RandomContrast']['range'] == (0.5, 2.0)
    assert cfg.test_dataloader.dataset.pipeline == [dict(type='Resize', scale=0.5,
                                                         img_only=True)]
    depth_metric = cfg.val_evaluator[0]
    assert depth_metric == dict(type='DepthMetric', crop='eigen_nyu', min_depth=1e-3,
                                max_depth=10.0, depth_caps=(4, 6, 8))
