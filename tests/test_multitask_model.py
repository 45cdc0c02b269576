"""MultiTaskModel end to end on a tiny resnet10t, 32×32 images, 2 samples."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from mtl.datasets.collate import mtl_collate
from mtl.models.base import Interaction
from mtl.models.builder import ConfigError
from mtl.models.losses.masked_regression import MaskedL1Loss
from mtl.registry import MODELS
from mtl.structures import valid_mask

SIZE = 32
DECODER = dict(type='LightDecoder', channels=(8, 8))
BACKBONE = dict(type='TimmBackbone', model_name='resnet10t')
DEPTH_HEAD = dict(type='DepthHead', min_depth=1e-3, max_depth=10.0)


def model_cfg(**overrides):
    cfg = dict(type='MultiTaskModel', backbone=BACKBONE,
               tasks=dict(depth=dict(branch=DECODER, head=DEPTH_HEAD),
                          seg=dict(branch=DECODER, head=dict(type='SegHead', num_classes=3))),
               losses={'depth.berhu': dict(type='BerHuLoss'), 'seg.ce': dict(type='CrossEntropyLoss')},
               combiner=dict(type='FixedWeighting', weights={'seg.ce': 0.5}))
    cfg.update(overrides)
    return cfg


def build(**overrides):
    return MODELS.build(model_cfg(**overrides))


def make_sample(seed, targets=('depth', 'seg'), size=SIZE, gt_size=None):
    g = torch.Generator().manual_seed(seed)
    gt = gt_size or size
    sample = {'img': torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8),
              'meta': {'sample_id': f's{seed}'}}
    if 'depth' in targets:
        sample['depth'] = torch.rand(1, gt, gt, generator=g) * 4 + 0.5
    if 'seg' in targets:
        sample['seg'] = torch.randint(0, 3, (gt, gt), generator=g)
    return sample


def batch_of(model, *samples, training=True):
    return model.data_preprocessor(mtl_collate(list(samples)), training)


def test_loss_mode_returns_weighted_raw_and_combiner_terms():
    model = build()
    data = batch_of(model, make_sample(0), make_sample(1))
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_depth.berhu', 'loss_seg.ce', 'depth.berhu', 'seg.ce'}
    assert losses['loss_seg.ce'].item() == pytest.approx(0.5 * losses['seg.ce'].item())
    assert losses['loss_depth.berhu'].item() == pytest.approx(losses['depth.berhu'].item())
    assert not losses['seg.ce'].requires_grad
    total, log_vars = model.parse_losses(losses)
    assert total.item() == pytest.approx(losses['loss_depth.berhu'].item() + losses['loss_seg.ce'].item())
    assert {'seg.ce', 'depth.berhu'} <= set(log_vars)


def test_uncertainty_combiner_logs_are_logged_not_summed():
    model = build(combiner=dict(type='UncertaintyWeighting'))
    losses = model(**batch_of(model, make_sample(0), make_sample(1)), mode='loss')
    # kendall at s = 0: regression weight 0.5, classification weight 1
    assert losses['weight.depth.berhu'].item() == 0.5 and losses['weight.seg.ce'].item() == 1.0
    total, _ = model.parse_losses(losses)
    assert total.item() == pytest.approx(0.5 * losses['depth.berhu'].item() + losses['seg.ce'].item())


def test_predict_mode_gives_per_sample_predictions_at_input_or_gt_size():
    model = build().eval()
    preds = model(**batch_of(model, make_sample(0), make_sample(1), training=False), mode='predict')
    assert len(preds) == 2 and preds[1]['meta'] == {'sample_id': 's1'}
    assert preds[0]['pred']['depth'].shape == (1, SIZE, SIZE)
    assert preds[0]['pred']['seg'].shape == (SIZE, SIZE) and preds[0]['pred']['seg'].dtype == torch.int64
    assert torch.equal(preds[1]['gt']['seg'], make_sample(1)['seg'])
    # ground truth at 16×16 for a 32×32 image: predictions come at the gt's size
    small = [make_sample(i, gt_size=16) for i in (2, 3)]
    preds = model(**batch_of(model, *small, training=False), mode='predict')
    assert preds[0]['pred']['depth'].shape == (1, 16, 16) and preds[0]['pred']['seg'].shape == (16, 16)
    # no target in the batch: input size
    no_gt = [make_sample(i, targets=()) for i in (4, 5)]
    preds = model(**batch_of(model, *no_gt, training=False), mode='predict')
    assert preds[0]['pred']['depth'].shape == (1, SIZE, SIZE) and preds[0]['gt'] == {}


def aux_model(**overrides):
    tasks = dict(depth=dict(branch=DECODER, head=DEPTH_HEAD),
                 bins=dict(branch=DECODER, head=dict(type='DepthIntervalHead', num_bins=4, d_min=0.5,
                                                     d_max=5.0), auxiliary=True))
    return build(tasks=tasks, losses={'depth.l1': dict(type='MaskedL1Loss')}, combiner=None, **overrides)


def count_calls(module):
    calls = []
    module.register_forward_hook(lambda *args: calls.append(1))
    return calls


def test_auxiliary_task_is_skipped_in_predict_mode():
    model = aux_model()
    calls = count_calls(model.branches['bins'].stages[0])
    data = batch_of(model, make_sample(0), make_sample(1))
    assert set(model(data['inputs'], mode='tensor')) == {'depth', 'bins'}
    assert len(calls) == 1
    preds = model(**data, mode='predict')
    assert set(preds[0]['pred']) == {'depth'}
    assert len(calls) == 1  # the auxiliary branch did not run


def test_auxiliary_task_runs_in_predict_mode_when_an_interaction_needs_it():
    stitch = dict(cs=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'bins')))
    model = aux_model(interactions=stitch).eval()
    needed, unneeded = (count_calls(stage) for stage in model.branches['bins'].stages)
    data = batch_of(model, make_sample(0), make_sample(1), training=False)
    preds = model(**data, mode='predict')
    assert set(preds[0]['pred']) == {'depth'}
    # the stitch at boundary 1 needs bins' first stage; its second stage feeds nothing
    assert len(needed) == 1 and len(unneeded) == 0
    everything = model(data['inputs'], mode='tensor')
    assert torch.allclose(preds[1]['pred']['depth'], everything['depth'][1], atol=1e-6)


def test_tensor_mode_returns_raw_outputs_at_input_size():
    model = build()
    outputs = model(torch.randn(2, 3, SIZE, SIZE), mode='tensor')
    assert outputs['depth'].shape == (2, 1, SIZE, SIZE) and outputs['seg'].shape == (2, 3, SIZE, SIZE)
    with pytest.raises(ValueError, match='Invalid mode "train"'):
        model(torch.randn(2, 3, SIZE, SIZE), mode='train')


def test_deep_supervision_outputs_and_losses():
    tasks = dict(depth=dict(branch=DECODER, head=DEPTH_HEAD, deep_supervision=(1,)))
    model = build(tasks=tasks, losses={'depth.l1': dict(type='MaskedL1Loss'),
                                       'depth@1.l1': dict(type='MaskedL1Loss')}, combiner=None)
    assert model.heads['depth@1'].last_conv.in_channels == 8
    data = batch_of(model, make_sample(0), make_sample(1))
    outputs = model(data['inputs'], mode='tensor')
    assert set(outputs) == {'depth', 'depth@1'} and outputs['depth@1'].shape == (2, 1, SIZE, SIZE)
    losses = model(**data, mode='loss')
    depth = data['data_samples']['depth']
    expected = MaskedL1Loss()(outputs['depth@1'], depth, valid_mask('depth', depth))
    assert losses['depth@1.l1'].item() == pytest.approx(expected.item(), rel=1e-5)
    assert 'loss_depth@1.l1' in losses
    assert set(model(**data, mode='predict')[0]['pred']) == {'depth'}


def test_interactions_act_at_their_boundary():
    interactions = dict(cs=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'seg')))
    model = build(interactions=interactions).eval()
    shapes = []
    model.interactions['cs'].register_forward_hook(
        lambda m, args, out: shapes.append({t: tuple(v.shape) for t, v in args[0].items()}))
    x = torch.randn(2, 3, SIZE, SIZE)
    mixed = model(x, mode='tensor')
    # boundary 1: after the first light stage, 8 channels at 2×2 (the 1×1 deepest feature ×2)
    assert shapes == [{'depth': (2, 8, 2, 2), 'seg': (2, 8, 2, 2)}]
    with torch.no_grad():
        model.interactions['cs'].alpha.copy_(torch.eye(2)[..., None].expand(2, 2, 8))
    identity = model(x, mode='tensor')
    assert not torch.allclose(identity['depth'], mixed['depth'])
    plain = build().eval()
    plain.load_state_dict(model.state_dict(), strict=False)
    assert torch.allclose(plain(x, mode='tensor')['depth'], identity['depth'], atol=1e-6)


def test_flip_test_time_augmentation_averages_with_the_mirror():
    model = build(test_cfg=dict(flip=True)).eval()
    data = batch_of(model, make_sample(0), make_sample(1), training=False)
    preds = model(**data, mode='predict')
    x = data['inputs']
    plain, mirrored = model(x, mode='tensor'), model(x.flip(-1), mode='tensor')
    expected = (plain['depth'] + mirrored['depth'].flip(-1)) / 2
    assert torch.allclose(preds[1]['pred']['depth'], expected[1], atol=1e-6)
    assert not torch.allclose(preds[1]['pred']['depth'], plain['depth'][1], atol=1e-4)


def test_per_task_encoders_with_cross_stitch_train_one_step():
    encoder = dict(type='TimmEncoderBranch', model_name='resnet10t', out_indices=(1, 2))
    branch = dict(type='ChainBranch', parts=[encoder, DECODER])
    stitch = dict(type='CrossStitchUnit', tasks=('depth', 'seg'))
    model = build(backbone=None,
                  tasks=dict(depth=dict(branch=branch, head=DEPTH_HEAD),
                             seg=dict(branch=branch, head=dict(type='SegHead', num_classes=3))),
                  interactions={f'cs{k}': dict(stitch, after_stage=k) for k in (1, 2)})
    assert model.branches['depth'].stage_channels == [64, 128, 8, 8]
    cfg = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01),
               constructor='MTLOptimWrapperConstructor')
    with DefaultScope.overwrite_default_scope('mtl'):
        wrapper = build_optim_wrapper(model, cfg)
    alpha = model.interactions['cs2'].alpha.detach().clone()
    conv = model.branches['seg'].parts[0].stages[0][0][0].weight.detach().clone()
    log_vars = model.train_step(mtl_collate([make_sample(0), make_sample(1)]), wrapper)
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(model.interactions['cs2'].alpha, alpha)
    assert not torch.equal(model.branches['seg'].parts[0].stages[0][0][0].weight, conv)


ERRORS = [
    (dict(interactions=dict(cs=dict(type='CrossStitchUnit', after_stage=1, tasks=('depth', 'normals')))),
     r"model.interactions.cs.tasks names \['normals'\]"),
    (dict(interactions=dict(cs=dict(type='CrossStitchUnit', after_stage=3, tasks=('depth', 'seg')))),
     r'model.interactions.cs.after_stage=3, but task "depth" has 2 stages'),
    (dict(tasks=dict(depth=dict(branch=dict(DECODER, in_channels=4), head=DEPTH_HEAD))),
     r'model.tasks.depth.branch.in_channels is 4, but the model provides 3'),
    (dict(losses={'normals.cos': dict(type='NormalCosineLoss')}),
     r'model.losses\["normals.cos"\] reads output "normals"'),
    (dict(losses={'depth.l1': dict(type='MaskedL1Loss', extra=dict(aux='bins'))}),
     r'model.losses\["depth.l1"\] reads output "bins"'),
    (dict(losses={'depth.l1loss': dict(type='MaskedL1Loss')}), r'model.losses\["depth.l1loss"\].*"loss"'),
    (dict(losses={'depth.l1': dict(type='MaskedL1Loss', target='disparity')}),
     r'model.losses\["depth.l1"\].target "disparity" is not a known target'),
    (dict(tasks=dict(depth=dict(branch=DECODER, head=dict(type='DepthHed')))),
     r'model.tasks.depth.head.type: .*Closest registered names: .*DepthHead'),
    (dict(tasks=dict(depth=dict(branch=DECODER))), r'model.tasks.depth: needs "branch" and "head"'),
    (dict(tasks=dict(depth=dict(head=DEPTH_HEAD))), r'model.tasks.depth: needs "branch"'),
    (dict(tasks=dict(depth=dict(branch=DECODER, head=dict(DEPTH_HEAD, activation='tanh')))),
     r'model.tasks.depth.head: activation must be one of'),
    (dict(combiner=dict(type='FixedWeighting', weights={'seg.focal': 2.0})),
     r"model.combiner: .*\['seg.focal'\]"),
]


@pytest.mark.parametrize('overrides, message', ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_configuration_errors_name_the_key(overrides, message):
    cfg = dict(backbone=None, losses={'depth.l1': dict(type='MaskedL1Loss')}, combiner=None)
    cfg.update(overrides)
    if 'tasks' not in overrides:
        cfg['tasks'] = dict(depth=dict(branch=DECODER, head=DEPTH_HEAD),
                            seg=dict(branch=DECODER, head=dict(type='SegHead', num_classes=3)))
    with pytest.raises(ConfigError, match=message):
        build(**cfg)


def test_a_loss_whose_target_is_absent_is_skipped():
    model = build()
    data = batch_of(model, make_sample(0, targets=('depth',)), make_sample(1, targets=('depth',)))
    assert set(model(**data, mode='loss')) == {'loss_depth.berhu', 'depth.berhu'}
    data = batch_of(model, make_sample(0, targets=()), make_sample(1, targets=()))
    with pytest.raises(KeyError, match='No loss could be computed'):
        model(**data, mode='loss')


def test_partial_supervision_gives_no_seg_gradient_from_an_unlabelled_sample():
    model = build().eval()  # eval: BatchNorm does not couple the samples of the batch
    labelled, unlabelled = make_sample(0), make_sample(1, targets=('depth',))
    data = batch_of(model, labelled, unlabelled)
    assert (data['data_samples']['seg'][1] == 255).all()
    inputs = data['inputs'].requires_grad_()
    model(inputs, data['data_samples'], mode='loss')['loss_seg.ce'].backward()
    assert inputs.grad[0].abs().sum() > 0
    assert torch.equal(inputs.grad[1], torch.zeros_like(inputs.grad[1]))
    both = [p.grad.clone() for p in model.branches['seg'].parameters()]
    model.zero_grad()
    alone = batch_of(model, labelled)
    model(**alone, mode='loss')['loss_seg.ce'].backward()
    for with_unlabelled, only in zip(both, [p.grad for p in model.branches['seg'].parameters()]):
        assert torch.allclose(with_unlabelled, only, atol=1e-6)


class ConsistencyStitch(Interaction):
    """A test interaction that scales one task's feature and returns an auxiliary loss."""
    aux_loss_names = ('consistency',)

    def __init__(self, tasks, channels):
        super().__init__()
        self.tasks = list(tasks)

    def forward(self, features):
        a, b = (features[t] for t in self.tasks)
        return {self.tasks[0]: 2 * a}, {'consistency': (a - b).abs().mean()}


def test_interaction_losses_are_named_after_the_interaction_and_weighted():
    model = build(backbone=None, interactions=dict(
        fsm=dict(type=ConsistencyStitch, after_stage=1, tasks=('depth', 'seg'))),
        combiner=dict(type='FixedWeighting', weights={'fsm.consistency': 0.1}))
    assert model.interaction_loss_names() == ['fsm.consistency']
    losses = model(**batch_of(model, make_sample(0), make_sample(1)), mode='loss')
    assert set(losses) == {'loss_depth.berhu', 'loss_seg.ce', 'loss_fsm.consistency',
                           'depth.berhu', 'seg.ce', 'fsm.consistency'}
    assert losses['loss_fsm.consistency'].item() == pytest.approx(0.1 * losses['fsm.consistency'].item())
    assert losses['fsm.consistency'].item() > 0


def test_an_undeclared_interaction_loss_is_a_clear_error():
    class Undeclared(ConsistencyStitch):
        aux_loss_names = ()

    model = build(backbone=None, interactions=dict(
        fsm=dict(type=Undeclared, after_stage=1, tasks=('depth', 'seg'))))
    with pytest.raises(KeyError, match='"fsm" returned losses .*consistency.* aux_loss_names'):
        model(**batch_of(model, make_sample(0)), mode='loss')
