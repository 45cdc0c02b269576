"""Pictures: panels use the dataset palette and one row per task, the depth statistics
count by hand, and a validation run hands panels and the statistics plot to mmengine's
Visualizer, whose TensorBoard backend records them as images."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mtl.engine.runner import MTLRunner

import mtl.engine  # noqa: F401
from mtl.visualization.depth_statistics import DepthStatistics
from mtl.visualization.panels import PanelStyle, sample_panel

TINY = Path(__file__).resolve().parent / 'configs' / 'tiny_hps_synthrooms.py'
META = dict(classes=('floor', 'wall', 'bed'), palette=[(200, 10, 10), (10, 200, 10), (10, 10, 200)],
            depth_range=(0.0, 10.0))


def test_panel_rows_columns_and_palette():
    img = np.zeros((24, 32, 3), np.uint8)
    seg = np.zeros((24, 32), np.int64)
    seg[:, 16:] = 2
    depth = np.full((1, 24, 32), 3.0, np.float32)
    one = sample_panel(img, {'seg': seg}, {'seg': seg}, {'seg': 'seg'}, PanelStyle(META))
    two = sample_panel(img, {'seg': seg, 'depth': depth}, {'seg': seg, 'depth': depth},
                       {'seg': 'seg', 'depth': 'depth'}, PanelStyle(META))
    assert two.shape[0] > 1.8 * one.shape[0] and two.shape[1] == one.shape[1]
    colours = {tuple(c) for c in one.reshape(-1, 3)}
    assert (200, 10, 10) in colours and (10, 10, 200) in colours  # the dataset's palette
    assert (10, 200, 10) not in colours  # the legend lists only the classes present
    no_truth = sample_panel(img, {'seg': seg}, {}, {'seg': 'seg'}, PanelStyle(META))
    assert no_truth.shape[1] < 0.7 * one.shape[1]  # input | prediction only


def test_unknown_target_is_named():
    with pytest.raises(KeyError, match='"mystery"'):
        sample_panel(np.zeros((4, 4, 3), np.uint8), {'x': np.zeros((4, 4))}, {}, {'x': 'mystery'},
                     PanelStyle())


def test_depth_statistics_by_hand():
    stats = DepthStatistics((0.0, 4.0), num_bins=4)
    stats.update(np.array([1.5, 2.5, 3.0, 9.0]), np.array([1.5, 3.5, 2.0, 0.0]))  # last invalid
    np.testing.assert_array_equal(stats.gt_hist, [0, 1, 1, 1])
    np.testing.assert_array_equal(stats.pred_hist, [0, 1, 1, 1])
    mae, rel = stats.mean_errors()
    np.testing.assert_allclose(mae, [np.nan, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(rel, [np.nan, 0.0, 0.5, 1 / 3.5])
    assert stats.plot('run').ndim == 3
    with pytest.raises(ValueError, match='depth_range'):
        DepthStatistics((5.0, 1.0))


def test_validation_logs_panels_to_tensorboard(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    cfg = Config.fromfile(str(TINY))
    cfg.work_dir = str(tmp_path)
    cfg.merge_from_dict({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                         'default_hooks.checkpoint.interval': 100})
    MTLRunner.from_cfg(cfg).train()
    events = next(tmp_path.glob('*/vis_data/events.out.tfevents.*'))
    accumulator = EventAccumulator(str(events), size_guidance={'images': 0})
    accumulator.Reload()
    tags = accumulator.Tags()['images']
    assert 'panels/synthrooms_val_000000' in tags and 'panels/synthrooms_val_000001' in tags
    assert 'depth_statistics/depth' in tags
    assert 'panels/synthrooms_val_000002' not in tags  # num_val_samples=2
    image = accumulator.Images('panels/synthrooms_val_000000')[0]
    assert image.step == 2 and image.width > 400
