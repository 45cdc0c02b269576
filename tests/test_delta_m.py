"""Δm (Maninis et al. 2019; Vandenhende et al. 2021, Eq. 9) from the metrics' own declared
directions, and the baselines directory."""
import json

import pytest

from mtl.evaluation.contour_metric import ContourMetric
from mtl.evaluation.delta_m import delta_m, delta_m_table, load_baselines, measures
from mtl.evaluation.depth_metric import DepthMetric
from mtl.evaluation.normal_metric import NormalMetric
from mtl.evaluation.scores import ScoredMetric
from mtl.evaluation.seg_metric import SegMetric


def test_metrics_declare_their_directions_and_measures():
    depth, seg, normals = DepthMetric(), SegMetric(num_classes=3), NormalMetric()  # values unset: only declarations are read
    assert depth.direction('abs_rel') is False and depth.direction('abs_rel@4m') is False
    assert depth.direction('delta1') is True and depth.direction('num_images') is None
    assert seg.direction('iou/wall') is True and seg.direction('miou') is True
    assert normals.direction('within_11.25') is True and normals.direction('mean_angle') is False
    assert ContourMetric().direction('f@0.5') is True and ContourMetric().direction('ods_threshold') is None
    assert measures([depth, seg, normals, ContourMetric()]) == {
        'depth/rmse': False, 'seg/miou': True, 'normals/mean_angle': False, 'contours/ods_f': True}
    with pytest.raises(TypeError, match='no direction'):
        type('Bad', (ScoredMetric,), dict(higher_is_better={'a': True}, primary_keys=('b',)))


def test_delta_m_by_hand():
    directions = {'depth/rmse': False, 'seg/miou': True}
    model = {'depth/rmse': 0.45, 'seg/miou': 0.42, 'depth/abs_rel': 9.0}
    baselines = {'depth/rmse': 0.50, 'seg/miou': 0.40}
    value, changes = delta_m(model, baselines, directions)
    # depth: −(0.45 − 0.50)/0.50 = +0.10; seg: (0.42 − 0.40)/0.40 = +0.05
    assert changes['depth/rmse'] == pytest.approx(0.10)
    assert changes['seg/miou'] == pytest.approx(0.05)
    assert value == pytest.approx(0.075)
    with pytest.raises(KeyError, match='seg/miou'):
        delta_m(model, {'depth/rmse': 0.5}, directions)
    with pytest.raises(ValueError, match='is 0'):
        delta_m(model, {'depth/rmse': 0.0, 'seg/miou': 0.4}, directions)


def test_baselines_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match='no \\*.json'):
        load_baselines(str(tmp_path))
    (tmp_path / 'depth.json').write_text(json.dumps({'metrics': {'depth/rmse': 0.5}}))
    (tmp_path / 'seg.json').write_text(json.dumps({'metrics': {'seg/miou': 0.4}}))
    assert load_baselines(str(tmp_path)) == {'depth/rmse': 0.5, 'seg/miou': 0.4}
    table = delta_m_table([DepthMetric(), SegMetric(num_classes=3)],
                          {'depth/rmse': 0.45, 'seg/miou': 0.42}, str(tmp_path))
    assert 'Δm = +7.50 % over 2 measures' in table and '+10.00' in table
    (tmp_path / 'other.json').write_text(json.dumps({'metrics': {'seg/miou': 0.3}}))
    with pytest.raises(ValueError, match='different values'):
        load_baselines(str(tmp_path))
