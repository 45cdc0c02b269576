"""tools/lr_finder.py: the exponential sweep, the smoothing, the suggestions, and a smoke run
on a tiny KITTI-layout config (the learning-rate range test of MultiDepth Sec. 3.4)."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import kitti_fixtures as kf
from tools import lr_finder

REPO = Path(__file__).resolve().parents[1]


def test_sweep_is_exponential_from_start_to_end():
    lrs = lr_finder.exponential_lrs(1e-6, 1e-2, 5)
    assert np.allclose(lrs, [1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
    with pytest.raises(ValueError, match='start_lr < end_lr'):
        lr_finder.exponential_lrs(1e-2, 1e-6, 5)
    with pytest.raises(ValueError, match='at least 2'):
        lr_finder.exponential_lrs(1e-6, 1e-2, 1)


def test_smoothing_is_a_bias_corrected_moving_average():
    # m1 = 0.1·4 = 0.4 -> 0.4 / 0.1 = 4;  m2 = 0.9·0.4 + 0.1·2 = 0.56 -> 0.56 / 0.19
    assert np.allclose(lr_finder.smooth([4.0, 2.0], beta=0.9), [4.0, 0.56 / 0.19])
    assert np.allclose(lr_finder.smooth([3.0, 3.0, 3.0], beta=0.5), [3.0, 3.0, 3.0])


def test_suggestions_on_a_curve_with_a_plateau_a_descent_and_a_divergence():
    lrs = lr_finder.exponential_lrs(1e-7, 1.0, 71)  # 10 points per decade
    x = np.log10(lrs)
    # flat up to 1e-6, falls fastest at 1e-4, bottoms out at 1e-2, rises steeply beyond
    loss = 2.0 - np.tanh(np.maximum(x, -6) + 4) + 5 * np.maximum(x + 2, 0) ** 2
    s = lr_finder.suggest(lrs, loss)
    assert s['steepest_lr'] == pytest.approx(1e-4, rel=1e-6)
    # the plateau ends where the loss has fallen by 5 % of its total drop (2.964 -> 1.036):
    # 2 - tanh(x + 4) >= 2.868 up to x = -5.4 on this grid
    assert s['decreasing_range'] == pytest.approx((10 ** -5.4, 1e-2), rel=1e-6)
    assert s['min_loss_lr'] == pytest.approx(1e-2, rel=1e-6) and s['decreases']
    rising = lr_finder.suggest(lrs, np.linspace(1.0, 2.0, len(lrs)))
    assert not rising['decreases']


def test_windowed_slope_is_exact_on_a_line():
    x = np.arange(10.0)
    assert np.allclose(lr_finder.windowed_slope(x, 3 * x + 1, 2), 3.0)


def test_smoke_run_writes_the_curve_the_plot_and_the_suggestion(tmp_path, capsys):
    kf.build_annotated(tmp_path)
    config = tmp_path / 'tiny.py'
    config.write_text(f"""
_base_ = ['{REPO / 'configs/_base_/default_runtime.py'}',
          '{REPO / 'configs/_base_/schedules/multidepth_poly.py'}']
model = dict(type='MultiTaskModel',
             backbone=dict(type='TimmBackbone', model_name='resnet10t', out_indices=(4,),
                           output_stride=8),
             tasks=dict(depth=dict(branch=dict(type='PyramidPoolingDecoder', channels=8),
                                   head=dict(type='NormalizedLogDepthHead', d_min=2.0,
                                             d_max=125.0, kernel_size=1))),
             losses={{'depth.mse': dict(type='MaskedL2Loss')}})
train_dataloader = dict(batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type='KITTIDepthDataset', data_root='{tmp_path}', split='train',
                 pipeline=[dict(type='RandomCrop', size=(16, 16)),
                           dict(type='DepthToNormalizedLog', d_min=2.0, d_max=125.0)]))
""")
    out = tmp_path / 'out'
    result = lr_finder.main([str(config), '--num-iters', '8', '--start-lr', '1e-5',
                             '--end-lr', '1e-2', '--out', str(out)])
    saved = json.loads((out / 'lr_finder.json').read_text())
    assert len(saved['lr']) == 8 and saved['lr'][0] == pytest.approx(1e-5)
    assert saved['lr'][-1] == pytest.approx(1e-2)
    assert all(math.isfinite(v) for v in saved['loss'])
    assert saved['suggestion'] == json.loads(json.dumps(result['suggestion']))
    assert 1e-5 <= saved['suggestion']['steepest_lr'] <= 1e-2
    assert (out / 'lr_finder.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert 'steepest descent' in capsys.readouterr().out


def test_missing_config_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        lr_finder.main([str(tmp_path / 'nope.py')])
