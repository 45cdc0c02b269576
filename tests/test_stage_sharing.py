"""Wiring for information-sharing structures: branch stages shared by several tasks
(``shared_stages``), a task whose branch starts from another task's tensor (``input``, a
cascade run in a later wave), and ``FeatureMerge``."""
import pytest
import torch

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.models.builder import ConfigError
from mtl.registry import MODELS

WIDTHS = (4, 6, 6, 8)
LAYERS = dict(type='ConvLayers', channels=WIDTHS, strides=(2, 1, 1, 1))
HEADS = dict(depth=dict(type='DepthHead', min_depth=1e-3, max_depth=10.0),
             seg=dict(type='SegHead', num_classes=3))
LOSSES = {'depth.l1': dict(type='MaskedL1Loss'), 'seg.ce': dict(type='CrossEntropyLoss')}


def build(tasks=None, **model):
    tasks = tasks or {t: dict(branch=LAYERS, head=head) for t, head in HEADS.items()}
    return MODELS.build(dict(type='MultiTaskModel', tasks=tasks, losses=LOSSES, **model))


def batch():
    g = torch.Generator().manual_seed(0)
    return (torch.rand(2, 3, 16, 24, generator=g),
            {'depth': 1 + torch.rand(2, 1, 16, 24, generator=g),
             'seg': torch.randint(0, 3, (2, 16, 24), generator=g)})


def gradients(model, loss_name):
    """{parameter name: gradient} of one raw loss."""
    model.zero_grad()
    x, data = batch()
    losses = model(x, data, mode='loss')
    losses[f'loss_{loss_name}'].backward()
    return {n: p.grad.clone() if p.grad is not None else torch.zeros_like(p)
            for n, p in model.named_parameters()}


def stage_params(stage):
    return sum(p.numel() for p in stage.parameters())


@pytest.mark.parametrize('stop', [1, 2, 3, 4])
def test_branch_out_shares_exactly_the_first_stages(stop):
    model = build(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=stop)))
    depth, seg = model.branches['depth'], model.branches['seg']
    assert [depth.stages[i] is seg.stages[i] for i in range(len(WIDTHS))] == \
        [i < stop for i in range(len(WIDTHS))]
    unshared = build()
    saved = sum(stage_params(unshared.branches['seg'].stages[i]) for i in range(stop))
    count = sum(p.numel() for p in model.parameters())
    assert count == sum(p.numel() for p in unshared.parameters()) - saved
    shared = {id(p) for i in range(stop) for p in depth.stages[i].parameters()}
    assert {id(p) for p in model.shared_parameters()} == shared


def test_a_shared_stage_runs_once_per_pass_and_both_losses_train_it():
    model = build(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=2)))
    calls = []
    model.branches['depth'].stages[1].register_forward_hook(lambda *_: calls.append(1))
    x, data = batch()
    model(x, data, mode='loss')
    assert len(calls) == 1  # one batch-norm update, not two
    shared = 'branches.depth.stages.1.0.weight'
    for loss in ('depth.l1', 'seg.ce'):
        assert gradients(model, loss)[shared].abs().sum() > 0, loss
    # the seg loss trains the shared layers but not depth's own layers
    assert gradients(model, 'seg.ce')['branches.depth.stages.2.0.weight'].abs().sum() == 0


def test_merge_in_gives_one_feature_to_shared_final_layers():
    model = build(interactions=dict(merge=dict(type='FeatureMerge', after_stage=2,
                                               tasks=('depth', 'seg'))),
                  shared_stages=dict(final=dict(tasks=('depth', 'seg'), start=2, stop=4)))
    depth, seg = model.branches['depth'], model.branches['seg']
    assert depth.stages[0] is not seg.stages[0] and depth.stages[2] is seg.stages[2]
    x, data = batch()
    out = model(x, data, mode='tensor')
    assert out['depth'].shape == (2, 1, 16, 24) and out['seg'].shape == (2, 3, 16, 24)
    shared = 'branches.depth.stages.3.0.weight'
    by_depth, by_seg = gradients(model, 'depth.l1'), gradients(model, 'seg.ce')
    assert by_depth[shared].abs().sum() > 0 and by_seg[shared].abs().sum() > 0
    # after the merge each loss reaches both sub-networks
    for name in ('branches.depth.stages.0.0.weight', 'branches.seg.stages.0.0.weight'):
        assert by_depth[name].abs().sum() > 0 and by_seg[name].abs().sum() > 0


def test_feature_merge_sums_or_averages():
    merge = MODELS.build(dict(type='FeatureMerge', tasks=('a', 'b'), channels=dict(a=2, b=2),
                              mode='mean'))
    a, b = torch.ones(1, 2, 3, 3), 3 * torch.ones(1, 2, 3, 3)
    out = merge(dict(a=a, b=b))
    assert out['a'] is out['b'] and torch.equal(out['a'], 2 * torch.ones(1, 2, 3, 3))
    with pytest.raises(ValueError, match='equal channels'):
        MODELS.build(dict(type='FeatureMerge', tasks=('a', 'b'), channels=dict(a=2, b=3)))


@pytest.mark.parametrize('first, second', [('depth', 'seg'), ('seg', 'depth')])
def test_cascade_feeds_the_first_prediction_to_the_second_network(first, second):
    tasks = {t: dict(branch=LAYERS, head=HEADS[t]) for t in ('depth', 'seg')}
    tasks[second]['input'] = first  # listed in either order: the model runs `first` before
    model = build(tasks)
    assert model.branches[second].in_channels == model.heads[first].out_channels
    seen = []
    model.branches[second].stages[0].register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    x, data = batch()
    out = model(x, data, mode='tensor')
    assert torch.equal(seen[-1], out[first])  # the second network's input is the first's output
    loss = f'{second}.{"ce" if second == "seg" else "l1"}'
    grads = gradients(model, loss)
    # the second task's loss reaches the first network through its prediction
    assert grads[f'branches.{first}.stages.0.0.weight'].abs().sum() > 0
    own = f'{first}.{"ce" if first == "seg" else "l1"}'
    assert gradients(model, own)[f'branches.{second}.stages.0.0.weight'].abs().sum() == 0
    model.eval()
    assert set(model(x, {}, mode='predict')[0]['pred']) == {'depth', 'seg'}


def test_a_task_may_start_from_another_tasks_feature():
    tasks = {t: dict(branch=LAYERS, head=HEADS[t]) for t in ('depth', 'seg')}
    tasks['seg'].update(input='feature:depth@2', branch=dict(LAYERS, channels=(6, 8), strides=()))
    model = build(tasks)
    assert model.branches['seg'].in_channels == WIDTHS[1]
    grads = gradients(model, 'seg.ce')
    assert grads['branches.depth.stages.1.0.weight'].abs().sum() > 0
    assert grads['branches.depth.stages.2.0.weight'].abs().sum() == 0


@pytest.mark.parametrize('change, message', [
    (dict(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=5))), r'stop <= 4'),
    (dict(shared_stages=dict(trunk=dict(tasks=('depth', 'normals'), stop=1))), 'at least two tasks'),
    (dict(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), first=1))), 'expected dict'),
    (dict(seg_input='normals'), 'which no task produces'),
    (dict(seg_input='target:seg'), 'can read only output or feature'),
    (dict(seg_input='depth', depth_input='seg'), 'form a cycle'),
    (dict(seg_input='depth', interactions=dict(cs=dict(type='CrossStitchUnit', after_stage=1,
                                                       tasks=('depth', 'seg')))), 'different waves'),
])
def test_bad_sharing_configs_name_the_key(change, message):
    tasks = {t: dict(branch=LAYERS, head=HEADS[t]) for t in ('depth', 'seg')}
    for task in ('seg', 'depth'):
        if f'{task}_input' in change:
            tasks[task]['input'] = change.pop(f'{task}_input')
    with pytest.raises(ConfigError, match=message):
        build(tasks, **change)


def test_stages_that_read_more_than_their_input_cannot_be_shared():
    tasks = {t: dict(branch=dict(type='LightDecoder', channels=(4, 4), skips=True), head=HEADS[t])
             for t in ('depth', 'seg')}
    with pytest.raises(ConfigError, match=r'model.shared_stages.trunk.*pure_stage'):
        build(tasks, backbone=dict(type='TimmBackbone', model_name='test_resnet', pretrained=False),
              shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=1)))


def test_an_interaction_cannot_read_a_later_wave():
    tasks = {t: dict(branch=LAYERS, head=HEADS[t]) for t in ('depth', 'seg')}
    tasks['normals'] = dict(branch=LAYERS, head=dict(type='NormalHead'), input='depth')
    with pytest.raises(ConfigError, match='runs after this reader'):
        build(tasks, interactions=dict(fsm=dict(type='FeatureMerge', after_stage=1, tasks=('depth', 'seg'),
                                                inputs=dict(n='feature:normals@1'))))
