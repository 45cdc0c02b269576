"""The metrics run through mmengine's Evaluator: registry lookup, prefixes, partial labels."""
import pytest
import torch
from mmengine.evaluator import Evaluator

from mtl.evaluation.depth_metric import DepthMetric
from mtl.registry import METRICS


def predict_output(with_seg: bool) -> dict:
    depth = torch.tensor([[[1.0, 2.0], [4.0, 8.0]]])
    normals = torch.zeros(3, 2, 2)
    normals[2] = -1.0
    pred = {'depth': depth * 1.25, 'depth_aux': depth, 'seg': torch.tensor([[0, 1], [1, 2]]),
            'normals': normals, 'contours': torch.tensor([[[0.9, 0.1], [0.2, 0.7]]])}
    gt = {'depth': depth, 'normals': normals,
          'contours': torch.tensor([[[1, 0], [0, 1]]], dtype=torch.uint8)}
    if with_seg:
        gt['seg'] = torch.tensor([[0, 1], [2, 255]])
    return {'pred': pred, 'gt': gt, 'meta': {'sample_id': str(with_seg)}}


def test_registered_in_the_mtl_scope():
    for name in ('DepthMetric', 'SegMetric', 'NormalMetric', 'ContourMetric'):
        assert METRICS.get(name).__name__ == name


def test_evaluator_prefixes_and_values():
    evaluator = Evaluator([
        dict(type='mtl.DepthMetric', min_depth=1e-3, max_depth=10.0, depth_caps=(4,)),
        DepthMetric(task='depth_aux', prefix='depth_aux', min_depth=1e-3, max_depth=10.0),
        dict(type='mtl.SegMetric', num_classes=3),
        dict(type='mtl.NormalMetric'),
        dict(type='mtl.ContourMetric'),
    ])
    evaluator.process([predict_output(True), predict_output(False)], data_batch={})
    metrics = evaluator.evaluate(2)
    assert metrics['depth/abs_rel'] == pytest.approx(0.25)       # pred = 1.25 · gt
    assert metrics['depth/delta1'] == 0.0                         # 1.25 is not < 1.25
    assert metrics['depth/abs_rel@4m'] == pytest.approx(0.25)
    assert metrics['depth_aux/abs_rel'] == 0.0
    assert metrics['depth/num_images'] == 2.0
    # seg from the one labelled sample: (0,0) (1,1) (2,1): IoU 1, 1/2, 0
    assert metrics['seg/pixel_acc'] == pytest.approx(2 / 3)
    assert metrics['seg/miou'] == pytest.approx(0.5)
    assert metrics['normals/mean_angle'] == pytest.approx(0.0)
    assert metrics['normals/within_11.25'] == 100.0
    assert metrics['contours/f@0.5'] == 1.0
    assert {k.split('/')[0] for k in metrics} == {'depth', 'depth_aux', 'seg', 'normals',
                                                  'contours'}
    assert all(type(v) is float for v in metrics.values())


def test_two_depth_metrics_with_the_default_prefix_collide():
    evaluator = Evaluator([DepthMetric(min_depth=1e-3, max_depth=10.0),
                           DepthMetric(task='depth_aux', min_depth=1e-3, max_depth=10.0)])
    evaluator.process([predict_output(True)], data_batch={})
    with pytest.raises(ValueError, match='same metric name'):
        evaluator.evaluate(1)
