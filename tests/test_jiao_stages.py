"""Staged training (Jiao et al., ECCV 2018, Sec. 4.1): the optimizer constructor keeps every
parameter in a named group, TrainingStagesHook freezes, sets per-module learning rates and
loss weights per stage, and a run resumed in the middle of stage 2 trains like one that was
not interrupted."""
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn

import jiao_fixtures as jf
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.engine.optim import MTLOptimWrapperConstructor
from mtl.engine.training_stages import Stage, TrainingStagesHook, matches
from mtl.registry import MODELS


def build_optimizer(model, **paramwise):
    cfg = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=0.01))
    return MTLOptimWrapperConstructor(cfg, dict(named_groups=True, **paramwise))(model).optimizer


def test_constructor_names_every_parameter_and_keeps_frozen_ones():
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.BatchNorm2d(2))
    model[0].weight.requires_grad_(False)
    optimizer = build_optimizer(model)
    assert [g['param_name'] for g in optimizer.param_groups] == ['0.weight', '0.bias', '1.weight',
                                                                 '1.bias']
    assert all(g['lr_mult'] == 1.0 and g['lr'] == 0.01 for g in optimizer.param_groups)
    assert not model[0].weight.requires_grad  # restored after building


def test_constructor_keeps_lr_mult_of_modules_and_custom_keys():
    model = MODELS.build(dict(type='CrossStitchUnit', tasks=('a', 'b'), channels={'a': 2, 'b': 2},
                              lr_mult=100.0))
    holder = nn.ModuleDict(dict(stitch=model, conv=nn.Conv2d(2, 2, 1)))
    groups = {g['param_name']: g for g in build_optimizer(holder).param_groups}
    assert groups['stitch.alpha']['lr'] == pytest.approx(1.0)  # 0.01 × 100
    assert groups['stitch.alpha']['lr_mult'] == pytest.approx(100.0)
    assert groups['conv.weight']['lr'] == 0.01
    custom = build_optimizer(holder, custom_keys={'stitch.': dict(lr_mult=3.0)}).param_groups
    assert {g['param_name']: g['lr'] for g in custom}['stitch.alpha'] == pytest.approx(0.03)


def test_stage_prefixes_and_learning_rates():
    assert matches('branches.seg.stages.0.weight', 'branches.seg')
    assert not matches('branches.segment.weight', 'branches.seg')
    assert matches('anything', '')
    stage = Stage(0, length=3, frozen=('branches.depth',), lr={'backbone': 1e-5, '': 1e-3})
    assert stage.base_lr('backbone.body.conv1.weight') == 1e-5
    assert stage.base_lr('branches.seg.x') == 1e-3
    assert stage.is_frozen('branches.depth.stages.0.weight')
    with pytest.raises(ValueError, match='no lr prefix'):
        Stage(0, length=1, lr={'backbone': 1.0}).base_lr('heads.seg.w')
    with pytest.raises(ValueError, match='length'):
        Stage(0, length=0, lr={'': 1.0})
    with pytest.raises(ValueError, match='unknown keys'):
        TrainingStagesHook([dict(length=1, lr={'': 1.0}, freeze=('x',))])


def test_step_and_polynomial_decay_within_a_stage():
    step = Stage(0, length=4, lr={'': 1.0}, step=2, gamma=0.5)
    assert [step.schedule(t)[1] for t in range(4)] == [1.0, 1.0, 0.5, 0.5]
    poly = Stage(0, length=4, lr={'': 1.0}, power=0.9)  # CI-Net's third stage
    assert [poly.schedule(t)[1] for t in range(4)] == pytest.approx(
        [1.0, 0.75 ** 0.9, 0.5 ** 0.9, 0.25 ** 0.9])
    assert len({poly.schedule(t)[0] for t in range(4)}) == 4  # the lr is set at every step
    with pytest.raises(ValueError, match='power'):
        Stage(0, length=1, lr={'': 1.0}, power=0)


def test_locate_positions():
    hook = TrainingStagesHook([dict(length=2, lr={'': 1.0}), dict(length=3, lr={'': 1.0})])
    assert [hook.locate(p) for p in range(6)] == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 3)]


SEG_PARAM = 'branches.seg.suc.maps.0.conv.0.weight'
DEPTH_PARAM = 'branches.depth.suc.maps.0.conv.0.weight'


class Probe(Hook):
    """Records, before each step, the lr of a few parameters, what is frozen, the loss
    weights, and the parameters themselves."""
    priority = 'LOWEST'

    def __init__(self):
        self.records = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        lrs = {g['param_name']: g['lr'] for g in runner.optim_wrapper.optimizer.param_groups}
        self.records.append(dict(
            lr={k: lrs[k] for k in ('backbone.body.conv1.0.weight', SEG_PARAM, DEPTH_PARAM)},
            grad={p: next(v for n, v in model.named_parameters() if n.startswith(p)).requires_grad
                  for p in ('backbone', 'branches.depth', 'branches.seg', 'heads.seg',
                            'interactions')},
            weights=dict(model.combiner.weights),
            state=len(runner.optim_wrapper.optimizer.state),
            params={n: p.detach().clone() for n, p in model.named_parameters()},
            buffers={n: b.clone() for n, b in model.named_buffers() if 'running_mean' in n}))


def changed(before, after, prefix):
    return any(not torch.equal(before[n], after[n]) for n in before if n.startswith(prefix))


@pytest.fixture(scope='module')
def straight_run(tmp_path_factory):
    """Six steps through the three stages, a checkpoint after every step."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    work_dir = tmp_path_factory.mktemp('straight')
    probe = Probe()
    runner = Runner(**jf.runner_cfg(str(work_dir), hooks=[probe]))
    runner.train()
    torch.set_num_threads(threads)
    return runner, probe.records, work_dir


def test_three_stages_freeze_and_set_learning_rates(straight_run):
    runner, r, _ = straight_run
    assert [x['lr']['backbone.body.conv1.0.weight'] for x in r] == pytest.approx(
        [1e-3, 1e-4, 1e-5, 1e-6, 1e-4, 1e-5])
    assert [x['lr'][SEG_PARAM] for x in r] == pytest.approx([0, 0, 1e-3, 1e-4, 1e-2, 1e-3])
    assert [x['lr'][DEPTH_PARAM] for x in r] == pytest.approx([1e-3, 1e-4, 0, 0, 1e-2, 1e-3])
    assert r[0]['grad'] == {'backbone': True, 'branches.depth': True, 'branches.seg': False,
                            'heads.seg': False, 'interactions': False}
    assert r[2]['grad']['branches.depth'] is False and r[2]['grad']['interactions'] is True
    assert all(r[4]['grad'].values())
    assert r[0]['weights']['seg.focal'] == 0 and r[2]['weights']['seg.focal'] == 1
    # Stage 1 (steps 0, 1) leaves the semantic branch, its head, its BN statistics and the
    # LSUs untouched; stage 2 (steps 2, 3) the depth branch.
    assert not changed(r[0]['params'], r[2]['params'], 'branches.seg')
    assert not changed(r[0]['params'], r[2]['params'], 'heads.seg')
    assert not changed(r[0]['params'], r[2]['params'], 'interactions')
    assert not changed(r[0]['buffers'], r[2]['buffers'], 'branches.seg')
    assert changed(r[0]['params'], r[2]['params'], 'branches.depth')
    assert not changed(r[2]['params'], r[4]['params'], 'branches.depth')
    assert not changed(r[2]['buffers'], r[4]['buffers'], 'branches.depth')
    assert changed(r[2]['params'], r[4]['params'], 'branches.seg')
    assert changed(r[2]['params'], r[4]['params'], 'interactions')
    final = dict(runner.model.named_parameters())
    assert changed(r[4]['params'], final, 'branches.depth')


def test_resume_in_the_middle_of_stage_2(straight_run, tmp_path):
    straight, _, work_dir = straight_run
    probe = Probe()
    resumed = Runner(**jf.runner_cfg(str(tmp_path), hooks=[probe], resume=True,
                                     load_from=str(work_dir / 'iter_3.pth')))
    resumed.train()
    first = probe.records[0]  # before step 3: stage 2, second step (lr decayed once)
    assert len(probe.records) == 3
    assert first['lr']['backbone.body.conv1.0.weight'] == pytest.approx(1e-6)
    assert first['lr'][SEG_PARAM] == pytest.approx(1e-4)
    assert first['lr'][DEPTH_PARAM] == 0
    assert first['grad']['branches.depth'] is False and first['grad']['branches.seg'] is True
    assert first['weights']['seg.focal'] == 1
    for (name, a), b in zip(straight.model.named_parameters(), resumed.model.parameters()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_stages_by_epoch_and_optimizer_reset(tmp_path):
    stages = [dict(jf.STAGES[0], length=1, step=None), dict(jf.STAGES[1], length=1, step=None),
              dict(jf.STAGES[2], length=1, step=None, reset_optimizer=True)]
    probe = Probe()
    cfg = jf.runner_cfg(str(tmp_path), stages=stages, hooks=[probe])
    cfg['custom_hooks'][0]['by_epoch'] = True
    cfg['train_cfg'] = dict(type='EpochBasedTrainLoop', max_epochs=3)
    cfg['default_hooks'] = dict(checkpoint=dict(type='CheckpointHook', interval=10))
    runner = Runner(**cfg)
    runner.train()
    r = probe.records
    assert len(r) == 12  # 8 samples, batch 2: 4 steps per epoch
    assert [x['lr'][SEG_PARAM] for x in r] == pytest.approx([0] * 4 + [1e-3] * 4 + [1e-2] * 4)
    assert r[8]['state'] == 0 < r[7]['state']  # Adam moments cleared when stage 3 starts


def test_hook_checks_the_configuration(tmp_path):
    bad_length = jf.runner_cfg(str(tmp_path / 'a'), max_iters=5)
    with pytest.raises(ValueError, match='add up to 6'):
        Runner(**bad_length).train()
    typo = [dict(jf.STAGES[0], frozen=('branches.semantic',)), *jf.STAGES[1:]]
    with pytest.raises(ValueError, match='matches no parameter'):
        Runner(**jf.runner_cfg(str(tmp_path / 'b'), stages=typo)).train()
    scheduled = dict(jf.runner_cfg(str(tmp_path / 'c')),
                     param_scheduler=[dict(type='ConstantLR', factor=1.0, by_epoch=False)])
    with pytest.raises(ValueError, match='param_scheduler'):
        Runner(**scheduled).train()
