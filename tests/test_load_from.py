"""``load_from`` for chained runs: a work dir stands for its last checkpoint, a missing file
fails at once, and ``load_renames`` renames checkpoint keys by prefix before the strict or
non-strict comparison (mtl/engine/runner.py, mtl/engine/weights.py)."""
import pytest
import torch
from torch import nn

from mtl.engine.runner import resolve_load_from, write_latest_checkpoint
from mtl.engine.weights import CheckpointMismatchError, load_weights, renamed


def test_a_work_dir_stands_for_its_last_checkpoint(tmp_path):
    (tmp_path / 'iter_4.pth').write_bytes(b'')
    write_latest_checkpoint(str(tmp_path), str(tmp_path / 'iter_4.pth'))
    assert resolve_load_from(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    assert resolve_load_from('https://example.org/w.pth') == 'https://example.org/w.pth'


def test_missing_load_from_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match='is a directory without a last_checkpoint'):
        resolve_load_from(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='does not exist: train the run that writes it first'):
        resolve_load_from(str(tmp_path / 'first_run' / 'iter_300.pth'))


def test_renames_move_one_task_network_to_another():
    state = {'branches.a.stages.0.weight': torch.ones(1), 'heads.a.conv.weight': torch.zeros(1),
             'branches.ab.weight': torch.ones(2)}
    out = renamed(state, {'branches.a.': 'branches.b.'}, 'ckpt')
    assert set(out) == {'branches.b.stages.0.weight', 'heads.a.conv.weight', 'branches.ab.weight'}
    with pytest.raises(CheckpointMismatchError, match='no key of checkpoint "ckpt" starts with "branch.a."'):
        renamed(state, {'branch.a.': 'branches.b.'}, 'ckpt')


def test_renamed_weights_are_loaded_and_the_rest_listed():
    source = nn.ModuleDict(dict(a=nn.Linear(2, 2), head_a=nn.Linear(2, 1)))
    target = nn.ModuleDict(dict(b=nn.Linear(2, 2), head_b=nn.Linear(2, 3)))
    with pytest.raises(CheckpointMismatchError, match='missing from the checkpoint'):
        load_weights(target, source.state_dict(), 'ckpt', renames={'a.': 'b.'})
    result = load_weights(target, source.state_dict(), 'ckpt', strict=False, renames={'a.': 'b.'})
    assert torch.equal(target['b'].weight, source['a'].weight)
    assert sorted(result.missing) == ['head_b.bias', 'head_b.weight']
    assert sorted(result.unexpected) == ['head_a.bias', 'head_a.weight']
