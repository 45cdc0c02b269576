"""Checkpoints load with torch.load(weights_only=True) and an exact allow-list."""
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mtl.engine.checkpoint import safe_torch_load


class TouchOnUnpickle:
    """Unpickling this object would create a file: proof of code execution."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def mmengine_like_checkpoint() -> dict:
    buffer = HistoryBuffer()
    buffer.update(0.5)
    return dict(meta=dict(epoch=1, iter=7, seed=0, dtype=np.dtype('float64'),
                          scalar=np.float64(1.5), count=np.int64(3)),
                state_dict={'w': torch.ones(2)},
                message_hub=dict(log_scalars={'train/loss': buffer},
                                 runtime_info={'arr': np.arange(3)}),
                optimizer=dict(state={0: {'step': torch.tensor(3.0)}}, param_groups=[{'lr': 0.1}]))


def test_mmengine_checkpoint_contents_load_with_weights_only(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    loaded = safe_torch_load(str(path))
    assert loaded['meta']['iter'] == 7
    assert loaded['meta']['dtype'] == np.dtype('float64')
    assert loaded['meta']['scalar'] == 1.5
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 0.5
    np.testing.assert_array_equal(loaded['message_hub']['runtime_info']['arr'], np.arange(3))


def test_mmengine_loader_is_replaced_for_local_paths(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))


def test_foreign_pickled_object_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / 'executed'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': TouchOnUnpickle(marker)}, path)
    with pytest.raises(pickle.UnpicklingError, match='Refusing to load .*allow-list'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))


def test_history_buffer_loads_in_a_fresh_process(tmp_path):
    """HistoryBuffer fills its class-level method table only when one is created, so
    loading must not depend on that table."""
    import subprocess
    import sys
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    code = ('from mtl.engine.checkpoint import safe_torch_load; '
            f'print(safe_torch_load({str(path)!r})["message_hub"]["log_scalars"]["train/loss"].mean())')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '0.5'


def test_getattr_stand_in_refuses_anything_but_history_buffer_methods():
    from mtl.engine.checkpoint import history_buffer_statistic
    assert history_buffer_statistic(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_statistic(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_statistic(torch, 'load')
