"""Jiao et al.'s weakly supervised outdoor setting (supplement §8): MixedDataset joins
depth-only KITTI and labels-only Cityscapes frames, and the config trains on tiny files in
both downloaded formats."""
import json
import os
import subprocess
import sys
from pathlib import Path

import kitti_fixtures as kf
import pytest
from cityscapes_fixtures import write_cityscapes

from mtl.datasets.cityscapes import CityscapesDataset
from mtl.datasets.collate import mtl_collate
from mtl.datasets.kitti import KITTIDepthDataset
from mtl.datasets.mixed import MixedDataset, union_metainfo

REPO = Path(__file__).resolve().parents[1]


def test_mixed_dataset_joins_parts_and_their_metainfo(tmp_path):
    kf.build_annotated(tmp_path / 'kitti')
    write_cityscapes(tmp_path / 'cityscapes', 'train')
    resize = [dict(type='Resize', size=(16, 32))]
    kitti = KITTIDepthDataset(str(tmp_path / 'kitti'), split='train', pipeline=resize,
                              metainfo=dict(depth_range=(1e-3, 80.0)))
    cityscapes = CityscapesDataset(str(tmp_path / 'cityscapes'), targets=('seg',),
                                   pipeline=resize)
    mixed = MixedDataset([kitti, cityscapes])
    assert len(mixed) == len(kitti) + 4
    assert 'depth' in mixed[0] and 'seg' not in mixed[0]
    assert 'seg' in mixed[-1] and 'depth' not in mixed[-1]
    assert mixed.metainfo['targets'] == ('depth', 'seg')
    assert mixed.metainfo['num_classes'] == 19 and mixed.metainfo['depth_range'] == (1e-3, 80.0)
    batch = mtl_collate([mixed[0], mixed[len(kitti)]])
    assert (batch['seg'][0] == 255).all() and (batch['depth'][1] == 0).all()
    with pytest.raises(IndexError):
        mixed[len(mixed)]


def test_parts_that_disagree_are_refused():
    seg = dict(targets=('seg',), num_classes=19, ignore_index=255)
    with pytest.raises(ValueError, match='disagree on "num_classes"'):
        union_metainfo([seg, dict(seg, num_classes=13)])
    with pytest.raises(ValueError, match='disagree on "ignore_index"'):
        union_metainfo([seg, dict(targets=('depth',), ignore_index=0)])
    depth_only = dict(targets=('depth',), num_classes=0, depth_range=(0.001, 80.0))
    assert union_metainfo([seg, depth_only])['num_classes'] == 19  # KITTI's 0 describes no seg


TINY = """
_base_ = ['CONFIG']
size = (16, 32)
train_pipeline = [dict(type='Resize', size=size), dict(type='RandomHorizontalFlip', prob=0.5)]
test_pipeline = [dict(type='Resize', size=size, img_only=True)]
kitti = dict(type='KITTIDepthDataset', data_root='ROOT/kitti', metainfo={{_base_.kitti_metainfo}})
cityscapes = dict(type='CityscapesDataset', data_root='ROOT/cityscapes', targets=('seg',))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False, dataset=dict(
    datasets=[dict(kitti, split='train', pipeline=train_pipeline),
              dict(cityscapes, split='train', pipeline=train_pipeline)]))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(
    datasets=[dict(kitti, split='val_selection', pipeline=test_pipeline),
              dict(cityscapes, split='val', pipeline=test_pipeline)]))
test_dataloader = val_dataloader
model = dict(backbone=dict(model_name='resnet10t', pretrained=False, out_indices=(4,)),
             tasks=dict(depth=dict(branch=dict(decoder=dict(channels=(16, 8, 8, 8, 8)))),
                        seg=dict(branch=dict(decoder=dict(channels=(16, 8, 8, 8, 8))))))
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
visualizer = dict(vis_backends=[dict(type='LocalVisBackend')])
"""


def test_weakly_supervised_config_trains_on_both_formats(tmp_path):
    kf.build_annotated(tmp_path / 'kitti')
    kf.build_val_selection(tmp_path / 'kitti')
    write_cityscapes(tmp_path / 'cityscapes', 'train')
    write_cityscapes(tmp_path / 'cityscapes', 'val', cities=('lindau',), seed=3)
    config = tmp_path / 'jiao_weak_tiny.py'
    config.write_text(TINY.replace('CONFIG', str(REPO / 'configs/jiao_weak_kitti_cityscapes.py'))
                      .replace('ROOT', str(tmp_path)))
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    run = subprocess.run([sys.executable, 'tools/train.py', str(config), '--work-dir',
                          str(work_dir)], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = json.loads((work_dir / 'metrics.json').read_text())['metrics']
    assert metrics['depth/num_images'] == 3.0  # the KITTI frames only
    assert 0 <= metrics['seg/miou'] <= 1
    assert (work_dir / 'epoch_1.pth').is_file()
