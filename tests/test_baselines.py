"""Single-task baselines derived from multi-task configs (mtl/utils/single_task.py), the
baselines tool end to end with tools/test.py --baselines, and the combiner comparison table."""
import json
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from ecosystem_fixtures import synthrooms_meta, tiny_model, write_checkpoint
from mtl.models.builder import ConfigError
from mtl.tools import baselines as baselines_tool
from mtl.tools import test as test_tool
from mtl.tools import compare_combiners
from mtl.tools.compare_combiners import baseline_runs, label, mean_std, table
from mtl.utils.single_task import single_task_config, single_task_model

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'configs' / 'tiny_hps_synthrooms.py'


def config(name: str) -> Config:
    return Config.fromfile(str(ROOT / 'configs' / name))


def parts(cfg: Config):
    model = cfg.model
    return (list(model.tasks), list(model.losses), list(model.interactions or {}),
            [m['type'] for m in cfg.test_evaluator])


def test_hard_sharing_keeps_the_backbone_and_one_task():
    cfg = config('hps_synthrooms.py')
    depth, notes = single_task_config(cfg, 'depth')
    assert parts(depth) == (['depth'], ['depth.berhu'], [], ['DepthMetric']) and notes == []
    assert depth.model.backbone == cfg.model.backbone and depth.train_cfg == cfg.train_cfg
    assert depth.model.combiner == dict(type='FixedWeighting', weights={'depth.berhu': 1.0},
                                        default=1.0)
    seg, _ = single_task_config(cfg, 'seg')
    assert parts(seg) == (['seg'], ['seg.ce'], [], ['SegMetric'])
    assert 'depth' in cfg.model.tasks  # the multi-task config is left as it was


def test_cross_stitch_units_connect_two_tasks_and_are_dropped_with_a_note():
    seg, notes = single_task_config(config('crossstitch_synthrooms.py'), 'seg')
    assert parts(seg) == (['seg'], ['seg.ce'], [], ['SegMetric'])
    assert seg.model.backbone is None and seg.model.tasks.seg.branch.type == 'ChainBranch'
    assert [n.split(' ')[1] for n in notes] == [f'model.interactions.stitch{k}' for k in (1, 2, 3, 4)]
    assert all("connects ['depth', 'seg']" in n for n in notes)


def test_padnet_keeps_the_tasks_deep_supervision_and_drops_the_distillation():
    model = config('padnet_synthrooms.py').model
    depth, notes = single_task_model(model, 'depth')
    assert list(depth['tasks']) == ['depth'] and depth['tasks']['depth']['deep_supervision'] == (1,)
    assert list(depth['losses']) == ['depth.l2', 'depth@1.l2'] and depth['interactions'] == {}
    assert depth['neck'] == model.neck  # the front end stays whole
    assert depth['combiner'] == dict(type='FixedWeighting', weights={}, default=1.0)
    assert notes == ["dropped model.interactions.distill (PADDistillationC): it connects "
                     "['depth', 'seg'] and reads ['seg@1', 'normals', 'contours']"]
    seg, _ = single_task_model(model, 'seg')
    assert list(seg['losses']) == ['seg.ce', 'seg@1.ce']
    row, _ = single_task_config(config('padnet_ablation/synthrooms_6_c_de_sp.py'), 'depth')
    assert parts(row) == (['depth'], ['depth.l2', 'depth@1.l2'], [], ['DepthMetric'])


def test_a_staged_schedule_that_names_other_tasks_cannot_be_followed():
    with pytest.raises(ConfigError, match=r"custom_hooks\[1\] \(TrainingStagesHook\) names .*"
                                          r"'branches.seg.stages.1'.*'seg.ce'"):
        single_task_config(config('padnet_synthrooms.py'), 'depth')
    cfg = config('hps_synthrooms.py')
    cfg.default_hooks.checkpoint.save_best = 'seg/miou'
    with pytest.raises(ConfigError, match=r"default_hooks\['checkpoint'\].*\['seg/miou'\]"):
        single_task_config(cfg, 'depth')
    single_task_config(cfg, 'seg')  # its own metric is fine


def reader_model() -> dict:
    """Two tasks with a cross-task loss, a one-task interaction reading a target (kept) and a
    one-task interaction reading the other task (dropped)."""
    model = dict(config('hps_synthrooms.py').model)
    model['interactions'] = {
        'own': dict(type='X', after_stage=1, tasks=('seg',), inputs=dict(labels='target:depth')),
        'peek': dict(type='X', after_stage=2, tasks=('seg',), inputs=dict(d='feature:depth@1'))}
    model['losses'] = {'depth.berhu': dict(type='BerHuLoss'), 'seg.ce': dict(type='CrossEntropyLoss'),
                       'seg.pair': dict(type='Y', extra=dict(f='depth'))}
    model['combiner'] = dict(type='FixedWeighting', weights={'seg': {'ce': 0.5}, 'seg.pair': 2.0,
                                                             'own.aux': 3.0, 'peek.aux': 4.0})
    return model


def test_reads_decide_what_is_the_tasks_own():
    seg, notes = single_task_model(reader_model(), 'seg')
    assert list(seg['losses']) == ['seg.ce'] and list(seg['interactions']) == ['own']
    assert seg['combiner']['weights'] == {'seg.ce': 0.5, 'own.aux': 3.0}
    assert notes == ['dropped model.losses["seg.pair"]: it reads [\'depth\'] of other tasks',
                     "dropped model.interactions.peek (X): it reads ['feature:depth@1']"]


def test_errors_name_the_task_or_component():
    model = reader_model()
    with pytest.raises(ConfigError, match=r'no task "normals" \(model.tasks'):
        single_task_model(model, 'normals')
    model['tasks']['seg']['auxiliary'] = True
    with pytest.raises(ConfigError, match=r'model.tasks.seg is auxiliary.*evaluated: \[\'depth\'\]'):
        single_task_model(model, 'seg')
    model = reader_model()
    model['losses'] = {'depth.berhu': dict(type='BerHuLoss'), 'seg.pair': dict(type='Y', extra=dict(f='depth'))}
    with pytest.raises(ConfigError, match=r'no loss supervises task "seg".*seg.pair'):
        single_task_model(model, 'seg')
    cfg = config('hps_synthrooms.py')
    cfg.test_evaluator = [dict(type='DepthMetric')]
    with pytest.raises(ConfigError, match=r'test_evaluator: no metric scores task "seg"'):
        single_task_config(cfg, 'seg')
    cfg.test_evaluator = [dict(type='CityscapesMetric')]
    with pytest.raises(ConfigError, match=r'test_evaluator\[0\] \(CityscapesMetric\) does not declare'):
        single_task_config(cfg, 'seg')


def test_dry_run_writes_configs_that_load(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', ['baselines', str(ROOT / 'configs/crossstitch_synthrooms.py'),
                                      '--work-dir', str(tmp_path), '--dry-run', '--seeds', '0', '1'])
    baselines_tool.main()
    out = capsys.readouterr().out
    assert 'dropped model.interactions.stitch4' in out and '4 runs' in out and 'not started' in out
    dumped = Config.fromfile(str(tmp_path / 'seg' / 'config.py'))
    assert parts(dumped) == (['seg'], ['seg.ce'], [], ['SegMetric'])
    assert not list(tmp_path.glob('*.json'))  # nothing trained


def test_the_tool_trains_baselines_that_the_test_tool_reads(tmp_path, monkeypatch, capsys):
    """Two tiny single-task runs in child processes, then tools/test.py --baselines on an
    (untrained) multi-task checkpoint prints Δm computed from the two JSONs."""
    work = tmp_path / 'baselines'
    monkeypatch.setattr(sys, 'argv', ['baselines', str(TINY), '--work-dir', str(work), '--cfg-options',
                                      'train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1'])
    baselines_tool.main()
    out = capsys.readouterr().out
    assert '[1/2] depth seed 0: training' in out and '[2/2] seg seed 0: done' in out
    depth = json.loads((work / 'depth.json').read_text())
    seg = json.loads((work / 'seg.json').read_text())
    assert depth['seeds'] == [0] and depth['task'] == 'depth' and depth['per_seed']['0'] == depth['metrics']
    assert all(k.startswith('depth/') for k in depth['metrics'])
    assert all(k.startswith('seg/') for k in seg['metrics'])
    assert (work / 'depth' / 'seed0' / 'train.log').is_file()

    cfg = Config.fromfile(str(TINY))
    torch.manual_seed(0)
    checkpoint = write_checkpoint(cfg, tiny_model(cfg), tmp_path / 'mt.pth', synthrooms_meta(13))
    out_json = tmp_path / 'mt.json'
    monkeypatch.setattr(sys, 'argv', ['test', str(TINY), str(checkpoint), '--work-dir', str(tmp_path),
                                      '--out', str(out_json), '--baselines', str(work)])
    test_tool.main()
    printed = capsys.readouterr().out
    model = json.loads(out_json.read_text())['metrics']
    rmse_b, miou_b = depth['metrics']['depth/rmse'], seg['metrics']['seg/miou']
    expected = (-(model['depth/rmse'] - rmse_b) / rmse_b + (model['seg/miou'] - miou_b) / miou_b) / 2
    assert f'Δm = {100 * expected:+.2f} % over 2 measures' in printed

    # a second call finds both runs done and trains nothing
    monkeypatch.setattr(sys, 'argv', ['baselines', str(TINY), '--work-dir', str(work), '--cfg-options',
                                      'train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1'])
    baselines_tool.main()
    assert capsys.readouterr().out.count('done before, reusing') == 2


def test_mean_over_seeds_and_the_comparison_table(tmp_path):
    runs = {0: {'depth/rmse': 1.0, 'seg/miou': 0.2}, 1: {'depth/rmse': 3.0, 'seg/miou': 0.4}}
    assert baselines_tool.mean_metrics(runs) == {'depth/rmse': 2.0, 'seg/miou': pytest.approx(0.3)}
    (tmp_path / 'depth.json').write_text(json.dumps(dict(
        metrics={'depth/rmse': 2.0}, per_seed={'0': {'depth/rmse': 1.0}, '1': {'depth/rmse': 3.0}})))
    (tmp_path / 'seg.json').write_text(json.dumps(dict(
        metrics={'seg/miou': 0.3}, per_seed={'0': {'seg/miou': 0.2}, '1': {'seg/miou': 0.4}})))
    base_runs = baseline_runs(str(tmp_path))
    assert base_runs == [runs[0], runs[1]]
    directions = {'depth/rmse': False, 'seg/miou': True}
    rows = {'A': [{'depth/rmse': 1.0, 'seg/miou': 0.3}, {'depth/rmse': 1.0, 'seg/miou': 0.6}],
            'single-task baselines': base_runs}
    text = table(rows, ['depth/rmse'], {'depth/rmse': 2.0, 'seg/miou': 0.3}, directions).splitlines()
    # A: Δm = (+0.5 + 0)/2 = 25 % and (+0.5 + 1)/2 = 75 %: mean 50, sample std 35.36
    assert text[2] == '| A | 1.0000 ± 0.0000 | 50.00 ± 35.36 | 2 |'
    # baselines against their own means: (+0.5 - 1/3)/2 and (-0.5 + 1/3)/2
    assert text[3] == '| single-task baselines | 2.0000 ± 1.4142 | 0.00 ± 11.79 | 2 |'
    assert mean_std([0.5]) == '0.5000' and label('DynamicWeightAverage:period=10,temperature=2') == \
        'DynamicWeightAverage_period=10_temperature=2'
    with pytest.raises(KeyError, match=r"--columns \['seg/iou'\]: not reported by the runs of A"):
        table(rows, ['seg/iou'], {'depth/rmse': 2.0, 'seg/miou': 0.3}, directions)


def test_report_only_tabulates_the_finished_runs(tmp_path, monkeypatch, capsys):
    def write(path, metrics, **extra):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(metrics=metrics, **extra)))
    write(tmp_path / 'PCGrad' / 'seed1' / 'metrics.json', {'depth/rmse': 1.5, 'seg/miou': 0.45})
    write(tmp_path / 'baselines' / 'depth.json', {'depth/rmse': 2.0})
    write(tmp_path / 'baselines' / 'seg.json', {'seg/miou': 0.3})
    monkeypatch.setattr(sys, 'argv', [
        'compare', str(ROOT / 'configs/balancing/hps_synthrooms_small.py'), '--work-dir', str(tmp_path),
        '--combiners', 'FixedWeighting', 'PCGrad', '--columns', 'seg/miou', '--report-only'])
    compare_combiners.main()
    lines = capsys.readouterr().out.splitlines()
    # PCGrad seed 1 only: Δm = (+0.25 + 0.5)/2; FixedWeighting has no finished run, no row
    assert lines[2:] == ['| PCGrad | 0.4500 | 37.50 | 1 |',
                         '| single-task baselines | 0.3000 | 0.00 | 1 |']
