"""Train -> kill -> resume -> test on the tiny SynthRooms config, through the real tools."""
import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mtl.engine  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'configs' / 'tiny_hps_synthrooms.py'


def run_tool(*args, timeout=300):
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


class CaptureStart(Hook):
    """Records the iteration and optimizer state at which training (re)starts."""

    def before_train(self, runner):
        self.iter = runner.iter
        self.optimizer = copy.deepcopy(runner.optim_wrapper.state_dict())


def tiny_runner(work_dir, **overrides) -> Runner:
    cfg = Config.fromfile(str(TINY))
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(overrides)
    return Runner.from_cfg(cfg)


def test_resume_restores_iteration_and_optimizer_state(tmp_path):
    tiny_runner(tmp_path).train()
    saved = torch.load(tmp_path / 'iter_3.pth', weights_only=False)  # our own file
    runner = tiny_runner(tmp_path, resume=True, load_from=str(tmp_path / 'iter_3.pth'))
    capture = CaptureStart()
    runner.register_hook(capture)
    runner.train()
    assert capture.iter == 3
    restored, expected = capture.optimizer['state'], saved['optimizer']['state']
    assert restored.keys() == expected.keys()
    for key in expected:
        for name in ('exp_avg', 'exp_avg_sq', 'step'):
            assert torch.equal(restored[key][name], expected[key][name])
    assert runner.iter == 6


@pytest.fixture(scope='module')
def trained_after_kill(tmp_path_factory):
    """Start training, kill it (SIGKILL) once the first checkpoint exists, resume it."""
    work_dir = tmp_path_factory.mktemp('e2e')
    process = subprocess.Popen(
        [sys.executable, 'tools/train.py', str(TINY), '--work-dir', str(work_dir),
         '--cfg-options', 'train_cfg.max_iters=1000', 'default_hooks.checkpoint.interval=3'],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not (work_dir / 'last_checkpoint').exists():
        assert process.poll() is None, 'training exited before its first checkpoint'
        assert time.time() < deadline, 'no checkpoint within 240 s'
        time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    saved_iter = int(Path(Path(work_dir / 'last_checkpoint').read_text().strip()).stem.split('_')[1])
    resumed = run_tool('tools/train.py', TINY, '--work-dir', work_dir, '--resume',
                       '--cfg-options', f'train_cfg.max_iters={saved_iter + 3}')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    return work_dir, saved_iter, resumed.stdout + resumed.stderr


def test_killed_training_resumes_from_its_last_checkpoint(trained_after_kill):
    work_dir, saved_iter, log = trained_after_kill
    assert 'resumed' in log.lower()
    iterations = [line for line in log.splitlines() if 'Iter(train)' in line]
    assert f'[{saved_iter + 1}/{saved_iter + 3}]' in iterations[0]
    assert (work_dir / f'iter_{saved_iter + 3}.pth').exists()


def test_training_writes_tensorboard_events_and_metrics(trained_after_kill):
    work_dir, _, _ = trained_after_kill
    assert list(work_dir.glob('*/vis_data/events.out.tfevents.*'))
    metrics = json.loads((work_dir / 'metrics.json').read_text())['metrics']
    assert 0 < metrics['depth/abs_rel'] < 10
    assert 0 <= metrics['seg/miou'] <= 1


def test_test_tool_prints_table_saves_json_and_pngs(trained_after_kill, tmp_path):
    work_dir, saved_iter, _ = trained_after_kill
    out = tmp_path / 'metrics.json'
    result = run_tool('tools/test.py', TINY, work_dir / f'iter_{saved_iter + 3}.pth',
                      '--work-dir', tmp_path, '--out', out, '--show-dir', tmp_path / 'show',
                      '--tta', 'flip')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'depth/abs_rel' in result.stdout and 'depth/abs_rel@4m' in result.stdout
    payload = json.loads(out.read_text())
    assert payload['tta'] == 'flip' and 'seg/miou' in payload['metrics']
    plain, baselines = tmp_path / 'plain.json', tmp_path / 'baselines'
    baselines.mkdir()
    (baselines / 'flip.json').write_text(out.read_text())  # the flip run as the "baseline"
    result = run_tool('tools/test.py', TINY, work_dir / f'iter_{saved_iter + 3}.pth',
                      '--work-dir', tmp_path, '--out', plain, '--baselines', baselines)
    assert result.returncode == 0, result.stderr[-3000:]
    plain_metrics = json.loads(plain.read_text())['metrics']
    base = payload['metrics']
    expected = (-(plain_metrics['depth/rmse'] - base['depth/rmse']) / base['depth/rmse']
                + (plain_metrics['seg/miou'] - base['seg/miou']) / base['seg/miou']) / 2
    assert f'Δm = {100 * expected:+.2f} % over 2 measures' in result.stdout
    assert plain_metrics['depth/abs_rel'] != payload['metrics']['depth/abs_rel']  # flip averaging is on
    pngs = {p.name for p in (tmp_path / 'show').glob('*.png')}
    assert {'synthrooms_test_000000_panel.png', 'depth_statistics_depth.png'} <= pngs
    assert len([p for p in pngs if p.endswith('_panel.png')]) == 8  # every test sample


def test_test_tool_refuses_missing_checkpoint(tmp_path):
    result = run_tool('tools/test.py', TINY, tmp_path / 'none.pth')
    assert result.returncode != 0
    assert 'none.pth' in result.stderr and 'does not exist' in result.stderr


def test_two_process_cpu_data_parallel_training(tmp_path):
    """--launcher pytorch on CPU: we start gloo ourselves and wrap without device ids.
    ``--standalone`` lets torchrun pick a free port, so parallel test runs cannot collide."""
    result = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
         'tools/train.py', str(TINY), '--launcher', 'pytorch', '--work-dir', str(tmp_path),
         '--no-test', '--cfg-options', 'train_cfg.max_iters=2'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Distributed launcher: pytorch' in result.stdout + result.stderr
    assert (tmp_path / 'iter_2.pth').exists()


def test_a_loss_for_a_target_the_dataset_never_has_fails_before_training(tmp_path):
    depth_only = dict(tasks=('depth',))
    runner = tiny_runner(tmp_path, train_dataloader=dict(dataset=depth_only))
    with pytest.raises(KeyError, match=r'model.losses\["seg.ce"\] needs the target "seg", which '
                                       r'SynthRoomsDataset never provides'):
        runner.train()
    assert not list(tmp_path.glob('iter_*.pth'))


def test_infer_tool_writes_predictions_at_the_image_size(trained_after_kill, tmp_path):
    import numpy as np
    from PIL import Image
    work_dir, saved_iter, _ = trained_after_kill
    image = tmp_path / 'room.jpg'
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 70, 3), np.uint8)).save(image)
    result = run_tool('tools/infer.py', TINY, work_dir / f'iter_{saved_iter + 3}.pth', image,
                      '--out-dir', tmp_path / 'out', '--save-npy')
    assert result.returncode == 0, result.stderr[-3000:]
    depth = np.load(tmp_path / 'out' / 'room_depth.npy')
    seg = np.load(tmp_path / 'out' / 'room_seg.npy')
    assert depth.shape == (50, 70) and (depth > 0).all()
    assert seg.shape == (50, 70) and seg.max() < 13
    assert (tmp_path / 'out' / 'room_panel.png').exists()
