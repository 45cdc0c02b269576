"""Analysis tools: FLOPs and parameters of what inference runs, training curves from work
directories (resumed runs joined, several runs on one plot), and the dataset browser."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ecosystem_fixtures import tiny_config, tiny_model
from mtl.apis.complexity import model_complexity
from mtl.visualization.curves import plot_curves, read_scalars

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'configs' / 'tiny_hps_synthrooms.py'


def test_flops_scale_with_pixels_and_params_skip_auxiliary_tasks():
    model = tiny_model(tiny_config('hps_synthrooms.py'))
    small, params, table = model_complexity(model, (64, 64), max_depth=2)
    large, _, _ = model_complexity(model, (128, 128))
    assert large == pytest.approx(4 * small, rel=1e-9)  # every conv sees 4× the pixels
    assert params == sum(p.numel() for p in model.parameters())
    assert 'backbone.body' in table and 'heads.seg' in table
    cfg = tiny_config('hps_synthrooms.py')
    cfg.model.tasks.seg.auxiliary = True
    aux_model = tiny_model(cfg)
    _, depth_only, _ = model_complexity(aux_model, (64, 64))
    seg_params = sum(p.numel() for m in (aux_model.branches.seg, aux_model.heads.seg)
                     for p in m.parameters())
    assert depth_only == params - seg_params


def write_run(work_dir: Path, stamp: str, lines):
    path = work_dir / stamp / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')


def test_curves_join_resumed_runs_and_plot_several(tmp_path, monkeypatch):
    a, b = tmp_path / 'run_a', tmp_path / 'run_b'
    write_run(a, '20260101_000000', [{'loss': 3.0, 'lr': 1e-3, 'step': 1},
                                     {'loss': 2.0, 'lr': 1e-3, 'step': 2}])
    write_run(a, '20260101_010000', [{'loss': 1.0, 'lr': 1e-4, 'step': 3},
                                     {'depth/abs_rel': 0.2, 'step': 3}])
    write_run(b, '20260102_000000', [{'loss': 4.0, 'step': 1}])
    series = read_scalars(str(a))
    np.testing.assert_array_equal(series['loss'][0], [1, 2, 3])
    np.testing.assert_array_equal(series['loss'][1], [3.0, 2.0, 1.0])
    assert series['depth/abs_rel'][1].tolist() == [0.2]
    with pytest.raises(KeyError, match="logged keys: \\['depth/abs_rel', 'loss', 'lr'\\]"):
        plot_curves({'a': series}, ['seg.ce'])
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        read_scalars(str(tmp_path))
    from tools import analyze_logs  # noqa: E402  (the CLI over the same functions)
    out = tmp_path / 'curves.png'
    monkeypatch.setattr(sys, 'argv', ['analyze_logs', str(a), str(b), '--keys', 'loss', 'lr',
                                      '--out', str(out)])
    analyze_logs.main()
    assert Image.open(out).size[0] > Image.open(out).size[1]  # two subplots side by side


def test_browse_dataset_writes_a_panel_per_sample(tmp_path, monkeypatch):
    from tools import browse_dataset
    monkeypatch.setattr(sys, 'argv', ['browse_dataset', str(TINY), '--num', '3',
                                      '--out-dir', str(tmp_path)])
    browse_dataset.main()
    assert sorted(p.name for p in tmp_path.glob('*.png')) == ['00000.png', '00001.png', '00002.png']
    sample_panel = np.asarray(Image.open(tmp_path / '00000.png'))
    assert sample_panel.shape[0] > 3 * 100  # one row per target: depth, seg, normals, contours
