"""MTLRunner: strict loading, atomic saves, a relocatable work dir, non-finite losses and
start-up checks, on a toy model (see engine_fixtures.py)."""
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from engine_fixtures import TOY_MODEL, ToyRegressor, no_hang, toy_cfg
from mtl.engine.checkpoint import load_checkpoint
from mtl.engine.non_finite import NonFiniteLossError
from mtl.engine.runner import MTLRunner, latest_checkpoint
from mtl.engine.weights import CheckpointMismatchError, load_weights

ROOT = Path(__file__).resolve().parents[1]


def train(work_dir, **overrides) -> MTLRunner:
    runner = MTLRunner.from_cfg(toy_cfg(work_dir, **overrides))
    with no_hang():
        runner.train()
    return runner


def finite(path: Path) -> bool:
    state = load_checkpoint(str(path))['state_dict']
    return all(torch.isfinite(v).all() for v in state.values())


# --- strict loading ------------------------------------------------------------------

@pytest.fixture
def two_class_checkpoint(tmp_path):
    path = tmp_path / 'two.pth'
    torch.save({'state_dict': ToyRegressor(out_channels=2).state_dict()}, path)
    return path


def test_mismatched_checkpoint_fails_with_keys_shapes_and_cause(two_class_checkpoint, tmp_path):
    runner = MTLRunner.from_cfg(toy_cfg(tmp_path / 'w', load_from=str(two_class_checkpoint)))
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as error:
        runner.load_or_resume()
    message = str(error.value)
    for part in ('two.pth', 'head.weight: checkpoint (2, 4, 1, 1), model (1, 4, 1, 1)',
                 'another class or interval count', '--non-strict', 'load_strict=False'):
        assert part in message
    assert all(torch.equal(v, before[k]) for k, v in runner.model.state_dict().items())


def test_non_strict_loads_matching_weights_and_says_what_was_skipped(two_class_checkpoint,
                                                                      tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr('mtl.engine.weights.print_log', lambda msg, **kw: logged.append(msg))
    runner = MTLRunner.from_cfg(toy_cfg(tmp_path / 'w', load_from=str(two_class_checkpoint),
                                        load_strict=False))
    head = runner.model.head.weight.clone()
    runner.load_or_resume()
    saved = torch.load(two_class_checkpoint, weights_only=True)['state_dict']
    assert torch.equal(runner.model.stem.weight, saved['stem.weight'])
    assert torch.equal(runner.model.head.weight, head)
    assert len(logged) == 1 and 'Non-strict loading' in logged[0]
    assert 'head.weight: checkpoint (2, 4, 1, 1), model (1, 4, 1, 1)' in logged[0]


@pytest.mark.parametrize('state, expected', [
    ({'stem.weight': torch.zeros(4, 3, 1, 1)}, 'missing from the checkpoint'),
    ({**ToyRegressor().state_dict(), 'extra.weight': torch.zeros(1)}, '1 not in the model'),
    ({'other.weight': torch.zeros(1)}, 'another model'),
])
def test_missing_or_unexpected_keys_fail(state, expected):
    with pytest.raises(CheckpointMismatchError, match=expected):
        load_weights(ToyRegressor(), {'state_dict': state}, 'x.pth')


@pytest.mark.parametrize('checkpoint', [{'meta': {'iter': 3}}, {'state_dict': {}}, [1, 2]])
def test_checkpoint_without_weights_fails(checkpoint):
    with pytest.raises(CheckpointMismatchError, match='x.pth" holds no model weights'):
        load_weights(ToyRegressor(), checkpoint, 'x.pth')


def test_data_parallel_prefix_is_removed():
    model = ToyRegressor()
    state = {f'module.{k}': v + 1 for k, v in model.state_dict().items()}
    load_weights(model, state, 'x.pth')
    assert torch.equal(model.stem.bias, state['module.stem.bias'])


# --- atomic saves and last_checkpoint ------------------------------------------------

def test_last_checkpoint_is_relative_and_a_copied_work_dir_resumes_from_itself(tmp_path):
    train(tmp_path / 'a', max_iters=2)
    assert (tmp_path / 'a' / 'last_checkpoint').read_text() == 'iter_2.pth'
    assert sorted(p.name for p in (tmp_path / 'a').glob('*.pth')) == ['iter_2.pth']  # keep 1
    shutil.copytree(tmp_path / 'a', tmp_path / 'b')
    (tmp_path / 'a' / 'iter_2.pth').write_bytes(b'')  # the original must not be read
    runner = train(tmp_path / 'b', max_iters=3, resume=True)
    assert runner.iter == 3 and finite(tmp_path / 'b' / 'iter_3.pth')


def test_old_absolute_last_checkpoint_resolves_to_the_copy(tmp_path):
    (tmp_path / 'copy').mkdir()
    (tmp_path / 'copy' / 'iter_5.pth').write_bytes(b'x')
    (tmp_path / 'copy' / 'last_checkpoint').write_text('/elsewhere/original/iter_5.pth')
    assert latest_checkpoint(str(tmp_path / 'copy')) == str(tmp_path / 'copy' / 'iter_5.pth')


def test_an_interrupted_save_leaves_no_file_under_the_final_name(tmp_path, monkeypatch):
    from mmengine.fileio import LocalBackend
    put = LocalBackend.put

    def crash_on_third(self, obj, filepath):
        if 'iter_3' in str(filepath):
            Path(filepath).write_bytes(obj[:len(obj) // 2])
            raise KeyboardInterrupt('killed while saving')
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path, max_iters=4, default_hooks=dict(checkpoint=dict(
            type='MTLCheckpointHook', interval=1, by_epoch=False)))
    assert not (tmp_path / 'iter_3.pth').exists()
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    assert finite(tmp_path / 'iter_2.pth')


KILL_DURING_SAVE = '''
import sys, time
sys.path.insert(0, {tests!r})
from mmengine.fileio import LocalBackend
from engine_fixtures import toy_cfg
from mtl.engine.runner import MTLRunner
put = LocalBackend.put
def slow_put(self, obj, filepath):
    if 'iter_2' in str(filepath):
        open(filepath, 'wb').write(obj[:len(obj) // 2]); time.sleep(120)
    put(self, obj, filepath)
LocalBackend.put = slow_put
MTLRunner.from_cfg(toy_cfg({work!r}, max_iters=3)).train()
'''


def test_sigkill_during_save_loses_nothing(tmp_path):
    code = KILL_DURING_SAVE.format(tests=str(ROOT / 'tests'), work=str(tmp_path))
    process = subprocess.Popen([sys.executable, '-c', code], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(tmp_path.glob('.iter_2.pth.partial')):
        assert process.poll() is None and time.time() < deadline, 'no save started'
        time.sleep(0.2)
    process.kill()
    process.wait()
    assert not (tmp_path / 'iter_2.pth').exists()
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_1.pth')
    assert finite(tmp_path / 'iter_1.pth')


# --- non-finite losses -----------------------------------------------------------------

def test_nan_loss_stops_at_its_step_and_keeps_the_finite_checkpoint(tmp_path):
    runner = MTLRunner.from_cfg(toy_cfg(tmp_path, max_iters=4,
                                        model=dict(type=TOY_MODEL, poison=['toy5'])))
    with no_hang(), pytest.raises(NonFiniteLossError) as error:
        runner.train()
    message = str(error.value)
    assert 'iteration 3' in message and 'loss_mse' in message and "'toy4', 'toy5'" in message
    assert 'lr' in message and 'max_skipped_steps' in message
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_2.pth']  # max_keep_ckpts=1
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    assert finite(tmp_path / 'iter_2.pth')
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())


def test_bad_steps_can_be_skipped_a_bounded_number_of_times(tmp_path):
    hook = [dict(type='NonFiniteLossHook', max_skipped_steps=1)]
    poisoned = dict(type=TOY_MODEL, poison=['toy4'])
    runner = train(tmp_path / 'a', max_iters=4, model=poisoned, custom_hooks=hook)
    assert runner.iter == 4 and finite(tmp_path / 'a' / 'iter_4.pth')
    hooks = [h for h in runner.hooks if type(h).__name__ == 'NonFiniteLossHook']
    assert len(hooks) == 1 and hooks[0].skipped == 1
    with pytest.raises(NonFiniteLossError, match='iteration 7'):  # toy4 again in epoch 2
        train(tmp_path / 'b', max_iters=8, model=poisoned, custom_hooks=hook)


def test_finite_training_is_untouched_by_the_guard(tmp_path):
    runner = train(tmp_path, max_iters=2)
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())


# --- start-up checks ---------------------------------------------------------------

@pytest.mark.parametrize('overrides, error, expected', [
    (dict(default_hooks=dict(checkpoint=dict(type='MTLCheckpointHook', intervall=1))),
     KeyError, r"default_hooks.checkpoint.intervall .*did you mean \['interval'\]"),
    (dict(default_hooks=dict(checkpoint=dict(type='MTLCheckpointHook', interval=1,
                                             save_optimiser=False))),
     KeyError, r"checkpoint.save_optimiser .*\['save_optimizer'\]"),
    (dict(custom_hooks=[dict(type='NonFiniteLossHook', max_skiped_steps=1)]),
     KeyError, r'custom_hooks\[0\].max_skiped_steps .*max_skipped_steps'),
    (dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, moment=0.9))),
     KeyError, r'optim_wrapper.optimizer.moment .*momentum'),
    (dict(optim_wrapper=dict(type='OptimWrapper', clipgrad=None, optimizer=dict(type='SGD', lr=1))),
     KeyError, r'optim_wrapper.clipgrad .*clip_grad'),
    (dict(val_dataloader=dict(batchsize=2, dataset=None)), KeyError,
     r'val_dataloader.batchsize .*batch_size'),
    (dict(train_cfg=dict(type='IterBasedTrainLoop', max_iters=0)), ValueError,
     'train_cfg.max_iters is 0: it must be a positive integer'),
    (dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0))), ValueError,
     'optim_wrapper.optimizer.lr is 0: it must be a positive number'),
])
def test_config_mistakes_fail_before_the_runner_is_built(tmp_path, overrides, error, expected):
    with pytest.raises(error, match=expected):
        MTLRunner.from_cfg(toy_cfg(tmp_path, **overrides))
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


@pytest.mark.parametrize('length, expected', [
    (0, 'training split is empty'), (1, 'fewer than batch_size=2 with drop_last=True')])
def test_empty_training_split_fails_instead_of_hanging(tmp_path, length, expected):
    cfg = toy_cfg(tmp_path, length=length)
    cfg.train_dataloader['drop_last'] = True
    with no_hang(), pytest.raises(ValueError, match=expected):
        MTLRunner.from_cfg(cfg).train()


def test_resume_with_nothing_to_resume_warns(tmp_path):
    runner, warnings = MTLRunner.from_cfg(toy_cfg(tmp_path, max_iters=1, resume=True)), []
    runner.logger.warning = warnings.append
    with no_hang():
        runner.train()
    assert runner.iter == 1
    assert any('holds no last_checkpoint: training starts from scratch' in w for w in warnings)


DDP_NAN = '''
import sys
sys.path.insert(0, {tests!r})
from engine_fixtures import TOY_MODEL, toy_cfg
from mtl.engine.runner import MTLRunner
from mtl.engine.runner_utils import init_cpu_distributed
cfg = toy_cfg({work!r}, max_iters=4, launcher='pytorch',
              model=dict(type=TOY_MODEL, poison=['toy5']))
init_cpu_distributed(cfg)
import os
try:
    MTLRunner.from_cfg(cfg).train()
except FloatingPointError as error:  # one file per rank: the ranks' stdout share one pipe
    with open(os.path.join({work!r}, 'stopped_rank' + os.environ['RANK']), 'w') as f:
        f.write(str(error))
'''


def test_nan_on_one_rank_stops_every_rank_with_the_message(tmp_path):
    """Two CPU processes; only rank 1's second batch (toy5, toy7) is poisoned. Rank 0 must
    stop too, with the same message (without the shared flag it died in the gradient
    all-reduce with a gloo connection error)."""
    script = tmp_path / 'ddp_nan.py'
    script.write_text(DDP_NAN.format(tests=str(ROOT / 'tests'), work=str(tmp_path / 'w')))
    result = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                             '--nproc_per_node=2', str(script)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    messages = [(tmp_path / 'w' / f'stopped_rank{rank}').read_text()
                if (tmp_path / 'w' / f'stopped_rank{rank}').exists() else '' for rank in (0, 1)]
    assert all(m.startswith('Training stopped at iteration 2') for m in messages), \
        (messages, result.stderr[-2000:])
    assert not (tmp_path / 'w' / 'iter_2.pth').exists()


def test_runners_of_one_config_in_one_second_keep_their_own_logger_and_visualizer(tmp_path):
    # mmengine keeps loggers, message hubs and visualizers per process by name; named after
    # the config and the second alone, a second runner would write into the first's folder
    cfg = dict(visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]))
    first = MTLRunner.from_cfg(toy_cfg(tmp_path / 'first', **cfg))
    second = MTLRunner.from_cfg(toy_cfg(tmp_path / 'second', **cfg))
    assert first.experiment_name != second.experiment_name
    assert first.visualizer is not second.visualizer and first.logger is not second.logger
    second.visualizer.add_scalars({'probe': 1.0})
    assert list((tmp_path / 'second').glob('*/vis_data/scalars.json'))
    assert not list((tmp_path / 'first').glob('*/vis_data/scalars.json'))
