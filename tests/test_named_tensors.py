"""Named tensors (DESIGN.md "Named tensors"): components read ``task``, ``task@k``,
``feature:task@k`` and ``target:key`` by name. Toy components, 16×24 images."""
import pytest
import torch
from torch import nn

from mtl.datasets.collate import mtl_collate
from mtl.models.base import Branch, Interaction, Loss
from mtl.models.builder import ConfigError
from mtl.registry import MODELS

DEPTH_HEAD = dict(type='DepthHead', min_depth=1e-3, max_depth=10.0)

H, W, C = 16, 24, 4


class ToyBackbone(nn.Module):
    """One full-resolution feature map."""
    out_channels = [C]

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, C, 3, padding=1)

    def forward(self, x):
        return [self.conv(x)]


class ToyBranch(Branch):
    """``num_stages`` 1×1 conv stages that keep channels and resolution."""

    def __init__(self, in_channels, num_stages=2):
        super().__init__()
        self.in_channels = in_channels
        self.stages = nn.ModuleList(nn.Sequential(nn.Conv2d(in_channels, in_channels, 1), nn.ReLU())
                                    for _ in range(num_stages))
        self.stage_channels = [in_channels] * num_stages


class Distillation(Interaction):
    """Replaces its tasks' features by a 1×1 conv of the four tensors it reads; its
    ordinary input only passes through detached, so gradients flow back only through
    the reads. Keeps what it was given in ``seen``."""

    def __init__(self, tasks, channels, input_channels):
        super().__init__()
        self.tasks, self.input_channels = list(tasks), input_channels
        self.fuse = nn.ModuleDict({t: nn.Conv2d(sum(input_channels.values()), channels[t], 1) for t in tasks})

    def forward(self, features, depth, seg, normals, contours):
        self.seen = dict(features=features, depth=depth, seg=seg, normals=normals, contours=contours)
        mixed = torch.cat([depth, seg, normals, contours], 1)
        return {t: features[t].detach() + self.fuse[t](mixed) for t in self.tasks}


class LabelNeck(nn.Module):
    """Passes features through; keeps the labels it receives and returns a declared loss."""
    aux_loss_names = ('attention',)

    def __init__(self, in_channels, input_channels):
        super().__init__()
        self.out_channels, self.input_channels = list(in_channels), input_channels
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, features, labels=None):
        self.labels = labels
        return [self.scale * f for f in features], {'attention': self.scale * features[-1].abs().mean()}


class FeaturePairLoss(Loss):
    """|mean(f_d) − mean(f_s)|; keeps what it was given."""

    def __init__(self, input_channels):
        super().__init__()
        self.input_channels = input_channels

    def forward(self, pred, target, valid_mask=None, f_d=None, f_s=None, labels=None):
        self.seen = dict(f_d=f_d, f_s=f_s, labels=labels)
        return (f_d.mean() - f_s.mean()).abs() + 0 * pred.sum()


def branch(stages=2):
    return dict(type=ToyBranch, num_stages=stages)


def four_tasks(**extra_tasks):
    """Two final tasks with deep supervision at boundary 1 and two one-stage auxiliary
    tasks, all read by a distillation at boundary 1 (the shape of PAD-Net)."""
    return dict(depth=dict(branch=branch(), head=DEPTH_HEAD, deep_supervision=(1,)),
                seg=dict(branch=branch(), head=dict(type='SegHead', num_classes=3), deep_supervision=(1,)),
                normals=dict(branch=branch(1), head=dict(type='NormalHead'), auxiliary=True),
                contours=dict(branch=branch(1), head=dict(type='ContourHead'), auxiliary=True),
                **extra_tasks)


DISTILL = dict(type=Distillation, after_stage=1, tasks=('depth', 'seg'),
               inputs=dict(depth='depth@1', seg='seg@1', normals='normals', contours='contours'))


def build(tasks=None, interactions=None, losses=None, neck=None):
    return MODELS.build(dict(type='MultiTaskModel', backbone=dict(type=ToyBackbone), neck=neck,
                             tasks=tasks or four_tasks(), interactions=interactions or dict(distil=DISTILL),
                             losses=losses or {'depth.l1': dict(type='MaskedL1Loss')}))


def batch(model, training=True):
    samples = []
    for seed in (0, 1):
        g = torch.Generator().manual_seed(seed)
        samples.append({'img': torch.randint(0, 256, (3, H, W), generator=g, dtype=torch.uint8),
                        'depth': torch.rand(1, H, W, generator=g) + 0.5,
                        'seg': torch.randint(0, 3, (H, W), generator=g), 'meta': {'sample_id': str(seed)}})
    return model.data_preprocessor(mtl_collate(samples), training)


def count_calls(module):
    calls = []
    module.register_forward_hook(lambda *args: calls.append(1))
    return calls


def test_an_interaction_reads_deep_supervision_and_early_final_outputs():
    model = build()
    head_calls = {name: count_calls(model.heads[name]) for name in ('normals', 'contours', 'depth@1')}
    outputs = model(batch(model)['inputs'], mode='tensor')
    assert set(outputs) == {'depth', 'seg', 'normals', 'contours', 'depth@1', 'seg@1'}
    seen = model.interactions['distil'].seen
    for kwarg, name in DISTILL['inputs'].items():
        assert seen[kwarg] is outputs[name], kwarg
    assert seen['depth'].shape == (2, 1, H, W) and seen['normals'].shape == (2, 3, H, W)
    # each head ran once: the final outputs read at boundary 1 were not computed again
    assert all(len(calls) == 1 for calls in head_calls.values())
    assert set(seen['features']) == {'depth', 'seg'}
    # the model told the distillation the channels of what it reads
    assert model.interactions['distil'].input_channels == dict(depth=1, seg=3, normals=3, contours=1)


def test_gradient_reaches_the_backbone_only_through_the_read_path():
    model = build()
    losses = model(**batch(model), mode='loss')
    assert set(losses) == {'loss_depth.l1', 'depth.l1'}
    losses['loss_depth.l1'].backward()
    # the only loss is on depth's final output, whose input the distillation detached
    for module in (model.backbone, model.heads['normals'], model.heads['contours'],
                   model.heads['seg@1'], model.heads['depth@1'], model.branches['normals']):
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None and g.abs().sum() > 0 for g in grads), module
    assert model.heads['seg'].last_conv.weight.grad is None


def test_predict_runs_exactly_what_the_active_outputs_read():
    tasks = four_tasks(unread=dict(branch=branch(), head=DEPTH_HEAD, auxiliary=True),
                       depth_late=dict(branch=branch(), head=DEPTH_HEAD, deep_supervision=(1,)))
    model = build(tasks=tasks).eval()
    calls = {name: count_calls(module) for name, module in [
        ('normals', model.branches['normals'].stages[0]), ('contours', model.heads['contours']),
        ('depth@1', model.heads['depth@1']), ('unread', model.branches['unread'].stages[0]),
        ('depth_late@1', model.heads['depth_late@1'])]}
    data = batch(model, training=False)
    preds = model(**data, mode='predict')
    assert set(preds[0]['pred']) == {'depth', 'seg', 'depth_late'}
    assert {name: len(c) for name, c in calls.items()} == {
        'normals': 1, 'contours': 1, 'depth@1': 1, 'unread': 0, 'depth_late@1': 0}
    everything = model(data['inputs'], mode='tensor')
    assert torch.allclose(preds[1]['pred']['depth'], everything['depth'][1], atol=1e-6)
    assert torch.equal(preds[1]['pred']['seg'], everything['seg'][1].argmax(0))


def test_a_neck_reads_the_batch_target_in_loss_mode_only_and_returns_losses():
    neck = dict(type=LabelNeck, inputs=dict(labels='target:seg'))
    model = build(neck=neck)
    data = batch(model)
    losses = model(**data, mode='loss')
    assert model.neck.labels is data['data_samples']['seg']
    assert model.neck.input_channels == dict(labels=0)  # an H×W label map
    assert {'neck.attention', 'loss_neck.attention'} <= set(losses)
    assert losses['neck.attention'].item() > 0
    model.eval()
    model(**batch(model, training=False), mode='predict')
    assert model.neck.labels is None
    model(data['inputs'], mode='tensor')
    assert model.neck.labels is None


def test_a_neck_loss_it_does_not_declare_is_an_error():
    class Undeclared(LabelNeck):
        aux_loss_names = ()

    model = build(neck=dict(type=Undeclared))
    with pytest.raises(KeyError, match=r'Undeclared "neck" returned losses .*attention.* does not declare'):
        model(**batch(model), mode='loss')


def test_a_loss_reads_branch_features_before_the_interactions_and_targets():
    stitch = dict(cs=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'seg')))
    pair = dict(type=FeaturePairLoss, extra=dict(f_d='feature:depth@1', f_s='feature:seg@1',
                                                 labels='target:seg'))
    model = build(tasks=four_tasks(), interactions=stitch,
                  losses={'depth.l1': dict(type='MaskedL1Loss'), 'seg.pair': pair})
    produced = {}
    for task in ('depth', 'seg'):
        model.branches[task].stages[0].register_forward_hook(
            lambda m, args, out, task=task: produced.setdefault(task, out))
    data = batch(model)
    losses = model(**data, mode='loss')
    seen = model.losses['seg__pair'].seen
    assert model.losses['seg__pair'].input_channels == dict(f_d=C, f_s=C, labels=0)
    assert seen['f_d'] is produced['depth'] and seen['f_s'] is produced['seg']
    assert seen['labels'] is data['data_samples']['seg']
    expected = (produced['depth'].mean() - produced['seg'].mean()).abs()
    assert losses['seg.pair'].item() == pytest.approx(expected.item())


def test_an_interaction_changing_a_feature_after_its_final_output_was_read_fails():
    class Overwrite(Interaction):
        def __init__(self, tasks):
            super().__init__()

        def forward(self, features):
            return {'normals': features['depth'] * 0}

    late = dict(type=Overwrite, after_stage=2, tasks=('depth', 'seg'))
    model = build(interactions=dict(distil=DISTILL, late=late))
    with pytest.raises(RuntimeError, match=r'"late" changed the features of \[\'normals\'\]'):
        model(batch(model)['inputs'], mode='tensor')


def reading(inputs, after_stage=1, tasks=('depth', 'seg')):
    return dict(distil=dict(DISTILL, after_stage=after_stage, tasks=tasks, inputs=inputs))


INPUTS = DISTILL['inputs']
KEY = r'model.interactions.distil reads {} "{}" \(model.interactions.distil.inputs.{}\)'
ERRORS = [
    (dict(interactions=reading(dict(INPUTS, depth='sky@1'))),
     KEY.format('output', 'sky@1', 'depth') + r', which no task produces'),
    (dict(interactions=reading(dict(INPUTS, depth='feature:depth@3'))),
     KEY.format('feature', 'feature:depth@3', 'depth') + r', but boundary 3 does not exist'),
    (dict(interactions=reading(dict(INPUTS, normals='normals@1'))),
     KEY.format('output', 'normals@1', 'normals') + r'.*add 1 to model.tasks.normals.deep_supervision'),
    (dict(interactions=reading(dict(INPUTS, depth='feature:depth@2'))),
     KEY.format('feature', 'feature:depth@2', 'depth') + r', which is produced at boundary 2, after'),
    (dict(interactions=reading(dict(INPUTS, depth='depth'))),
     KEY.format('output', 'depth', 'depth') + r', but the final output of "depth" is ready only after '
                                              r'boundary 2'),
    (dict(interactions=reading(INPUTS, tasks=('depth', 'seg', 'normals'))),
     KEY.format('output', 'normals', 'normals') + r'.*after interactions \[\'distil\'\] there'),
    (dict(interactions=dict(distil=DISTILL, cs=dict(type='CrossStitchUnit', after_stage=1,
                                                    tasks=('normals', 'contours')))),
     KEY.format('output', 'normals', 'normals') + r'.*after interactions \[\'cs\'\] there'),
    (dict(interactions=reading(dict(INPUTS, depth='target:disparity'))),
     KEY.format('target', 'target:disparity', 'depth') + r': "disparity" is not a known target'),
    (dict(interactions=reading(dict(INPUTS, extra='depth@1'))),
     r'model.interactions.distil.inputs.extra: Distillation.forward takes no keyword argument "extra"'),
    (dict(interactions=reading(dict(INPUTS, depth='depth@one'))),
     r'model.interactions.distil.inputs.depth: "depth@one" is not a tensor name'),
    (dict(interactions=reading(dict(INPUTS, depth='feature:depth'))),
     r'model.interactions.distil.inputs.depth: "feature:depth" needs a boundary'),
    (dict(neck=dict(type=LabelNeck, inputs=dict(labels='feature:depth@0'))),
     r'model.neck reads feature "feature:depth@0" \(model.neck.inputs.labels\), but it can read only '
     r'target or backbone names'),
    (dict(neck=dict(type=LabelNeck, inputs=dict(labels='target:sky'))),
     r'model.neck reads target "target:sky" \(model.neck.inputs.labels\): "sky" is not a known target'),
    (dict(losses={'seg.pair': dict(type=FeaturePairLoss, extra=dict(f_d='feature:sky@1'))}),
     r'model.losses\["seg.pair"\] reads feature "feature:sky@1" \(model.losses\["seg.pair"\].extra.f_d\), '
     r'but task "sky" is not defined in model.tasks'),
    (dict(losses={'seg.pair': dict(type=FeaturePairLoss, extra=dict(f=('feature:depth@1')))}),
     r'model.losses\["seg.pair"\].extra.f: FeaturePairLoss.forward takes no keyword argument "f"'),
    (dict(losses={'seg.ce': dict(type='CrossEntropyLoss', pred='feature:seg@1')}),
     r'model.losses\["seg.ce"\] reads feature "feature:seg@1" \(model.losses\["seg.ce"\].pred\), but it '
     r'can read only output names'),
]


@pytest.mark.parametrize('overrides, message', ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_names_are_config_errors_naming_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message):
        build(**overrides)


def test_a_config_that_reads_nothing_keeps_nothing():
    model = build(interactions=dict(cs=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'seg'))))
    assert model.train_plan.features == {} and model.predict_plan.features == {}
    assert model.predict_plan.run_to == {'depth': 2, 'seg': 2}
    assert model.predict_plan.deep_heads == {}
    assert model.train_plan.deep_heads == {1: ['depth', 'seg']}


class Aggregation(Interaction):
    """Concatenates the list of features it reads (a task's features at several
    boundaries): a wider feature at the last boundary, declared by output_channels()."""

    def __init__(self, tasks, input_channels):
        super().__init__()
        self.tasks, self.input_channels = list(tasks), input_channels

    def output_channels(self):
        return {t: sum(self.input_channels['levels']) for t in self.tasks}

    def forward(self, features, levels):
        self.seen = levels
        return {t: torch.cat(levels, 1) for t in self.tasks}


def test_a_kwarg_reads_a_list_of_names_in_order_and_may_widen_the_final_feature():
    aggregate = dict(type=Aggregation, after_stage=2, tasks=('depth',),
                     inputs=dict(levels=['feature:depth@0', 'feature:depth@1', 'feature:seg@2']))
    model = build(interactions=dict(aggregate=aggregate))
    assert model.interactions['aggregate'].input_channels == dict(levels=[C, C, C])
    assert model.heads['depth'].conv[0].in_channels == 3 * C  # final head built for the width
    assert model.heads['depth@1'].conv[0].in_channels == C
    outputs = model(batch(model)['inputs'], mode='tensor')
    seen = model.interactions['aggregate'].seen
    assert isinstance(seen, list) and len(seen) == 3 and seen[0].shape == (2, C, H, W)
    assert outputs['depth'].shape == (2, 1, H, W)
    # predict runs seg's branch to boundary 2 because the list reads it
    model.eval()
    calls = count_calls(model.branches['seg'].stages[1])
    model(**batch(model, training=False), mode='predict')
    assert len(calls) == 1


class LevelsLoss(Loss):
    """Zero; keeps the list of features it was given."""

    def forward(self, pred, target, valid_mask=None, levels=None):
        self.seen = levels
        return pred.sum() * 0


def test_a_loss_reads_a_list_of_names():
    levels = dict(type=LevelsLoss, extra=dict(levels=['feature:depth@1', 'feature:depth@2']))
    model = build(interactions={}, losses={'depth.l1': dict(type='MaskedL1Loss'), 'depth.levels': levels})
    model(**batch(model), mode='loss')
    assert [f.shape for f in model.losses['depth__levels'].seen] == [(2, C, H, W)] * 2


@pytest.mark.parametrize('after_stage,extra,message', [
    (1, {}, r'model.interactions.aggregate: Aggregation returns 12 channels for "depth", so it must '
            r'be the last interaction of that task, at its branch\'s last boundary \(after_stage=2\)'),
    (2, dict(later=dict(type='CrossStitchUnit', after_stage=2, tasks=('depth', 'seg'))),
     r'must be the last interaction of that task'),
])
def test_a_wider_feature_anywhere_but_last_is_a_config_error(after_stage, extra, message):
    aggregate = dict(type=Aggregation, after_stage=after_stage, tasks=('depth',),
                     inputs=dict(levels=['feature:depth@0'] * 3))
    with pytest.raises(ConfigError, match=message):
        build(interactions=dict(aggregate=aggregate, **extra))


def test_an_empty_list_of_names_is_a_config_error():
    aggregate = dict(type=Aggregation, after_stage=2, tasks=('depth',), inputs=dict(levels=[]))
    with pytest.raises(ConfigError, match=r'model.interactions.aggregate.inputs.levels: an empty list'):
        build(interactions=dict(aggregate=aggregate))
    bad = dict(type=Aggregation, after_stage=1, tasks=('depth',),
               inputs=dict(levels=['feature:depth@0', 'feature:depth@2']))
    with pytest.raises(ConfigError, match=r'inputs.levels\[1\]\).*produced at boundary 2'):
        build(interactions=dict(aggregate=bad))


# ---------------------------------------------------------------- backbone:path
class TwoConvBackbone(nn.Module):
    """conv (3 -> C) then bn then wide (C -> 2C); returns only the last map. ``unused`` never runs."""
    out_channels = [2 * C]

    def __init__(self):
        super().__init__()
        self.conv, self.bn, self.wide = nn.Conv2d(3, C, 3, padding=1), nn.BatchNorm2d(C), nn.Conv2d(C, 2 * C, 1)
        self.unused = nn.Conv2d(C, C, 1)

    def forward(self, x):
        return [self.wide(self.bn(self.conv(x)))]


class Tap(Interaction):
    """Keeps what it reads; adds a 1×1 conv of it to each task's feature."""

    def __init__(self, tasks, channels, input_channels):
        super().__init__()
        self.tasks, self.input_channels = list(tasks), input_channels
        self.mix = nn.ModuleDict({t: nn.Conv2d(input_channels['u'], channels[t], 1) for t in tasks})

    def forward(self, features, u):
        self.seen = u
        return {t: features[t] + self.mix[t](u) for t in self.tasks}


def tapping(inputs, backbone=TwoConvBackbone, **model):
    tasks = dict(depth=dict(branch=branch(), head=DEPTH_HEAD),
                 seg=dict(branch=branch(), head=dict(type='SegHead', num_classes=3)))
    return MODELS.build(dict(type='MultiTaskModel', backbone=backbone and dict(type=backbone), tasks=tasks,
                             interactions=dict(tap=dict(type=Tap, after_stage=1, tasks=('depth', 'seg'),
                                                        inputs=inputs)),
                             losses={'depth.l1': dict(type='MaskedL1Loss')}, **model))


def test_an_interaction_reads_an_intermediate_backbone_module_by_name():
    model = tapping(dict(u='backbone:bn'))
    tap = model.interactions['tap']
    assert tap.input_channels == {'u': C}  # measured by the build-time probe
    assert model.backbone.bn.num_batches_tracked == 0 and model.backbone.training  # probe left no trace
    inputs = batch(model)['inputs']
    losses = model(**batch(model), mode='loss')
    expected = model.backbone.bn(model.backbone.conv(inputs))
    assert torch.allclose(tap.seen, expected) and tap.seen.shape == (2, C, H, W)
    assert not model.backbone.bn._forward_hooks  # the hooks live for one pass only
    losses['loss_depth.l1'].backward()
    assert model.backbone.conv.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        model(inputs, mode='predict')
    assert tap.seen.shape == (2, C, H, W)  # predict mode reads it too


def test_a_neck_may_read_backbone_modules():
    model = tapping(dict(u='backbone:conv'), neck=dict(type=LabelNeck, inputs=dict(labels='backbone:conv')))
    model(**batch(model), mode='loss')
    assert model.neck.input_channels == {'labels': C} and model.neck.labels.shape == (2, C, H, W)


@pytest.mark.parametrize('inputs, backbone, message', [
    (dict(u='backbone:wid'), TwoConvBackbone,
     r'model.interactions.tap reads backbone "backbone:wid" \(model.interactions.tap.inputs.u\), but '
     r'model.backbone has no sub-module "wid" .*similar: \[\'wide\''),
    (dict(u='backbone:conv'), None, r'but the model has no shared backbone \(model.backbone is None\)'),
    (dict(u='backbone:unused'), TwoConvBackbone,
     r'"backbone:unused" must be a sub-module whose output is a B×C×H×W tensor; it gave nothing'),
])
def test_bad_backbone_names_are_config_errors(inputs, backbone, message):
    with pytest.raises(ConfigError, match=message):
        tapping(inputs, backbone)
