"""MTI-Net (Vandenhende, Georgoulis & Van Gool, ECCV 2020) against hand computations: the
per-scale branch, the feature propagation module, the multi-scale distillation (PAD-Net's
attention, gate from the source) and aggregation; the SynthRooms model's scales, gradients,
deep supervision and predict plan; config errors; the NYUD-MT config on tiny files."""
import inspect
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from torch import nn
from torch.nn import functional as F

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from nyud2_fixtures import make_nyud_mt_root
from mtl.models.builder import ConfigError
from mtl.models.decoders.multi_scale_refinement import MultiScaleRefinementDecoder
from mtl.models.interactions.feature_propagation import FeaturePropagation
from mtl.models.interactions.multi_scale_distillation import MultiScaleDistillation
from mtl.registry import MODELS
from mtl.utils.single_task import single_task_config

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
TASKS = ('depth', 'seg', 'normals', 'contours')
H, W = 32, 64
REDUCTION = {1: 32, 2: 16, 3: 8, 4: 4}  # boundary -> the scale's stride


def centre_taps(conv: nn.Conv2d, value: float) -> None:
    """A 1-channel 3×3 convolution that multiplies by ``value`` (centre tap only)."""
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 1, 1] = value


def synthrooms_cfg(width: int = 8) -> Config:
    cfg = Config.fromfile(str(CONFIGS / 'mtinet_synthrooms.py'))
    cfg.model.backbone.model_name = 'test_resnet'  # timm's tiny ResNet: 32, 48, 192, 96 channels
    for spec in cfg.model.tasks.values():
        spec.branch.channels = (width,) * 4
    return cfg


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return MODELS.build(synthrooms_cfg().model)


def batch(model, training=True):
    g = torch.Generator().manual_seed(0)
    samples = dict(inputs=torch.rand(2, 3, H, W, generator=g),
                   data_samples=dict(depth=torch.rand(2, 1, H, W, generator=g) * 5 + 0.5,
                                     seg=torch.randint(0, 13, (2, H, W), generator=g),
                                     normals=F.normalize(torch.randn(2, 3, H, W, generator=g), dim=1),
                                     contours=(torch.rand(2, 1, H, W, generator=g) > 0.8).to(torch.uint8)))
    return samples


# ------------------------------------------------------------------ the per-scale branch
def test_branch_refines_the_scales_coarsest_first_with_the_backbone_widths():
    features = [torch.randn(2, c, 16 // r, 24 // r) for c, r in ((4, 1), (8, 2), (16, 4), (32, 8))]
    branch = MultiScaleRefinementDecoder(in_channels=32, feature_channels=(4, 8, 16, 32))
    assert branch.stage_channels == [32, 16, 8, 4] and len(branch.stages) == 4
    x = features[-1]
    for i in range(4):
        x = branch.forward_stage(i, x, dict(features=features))
        assert x.shape == (2, branch.stage_channels[i], *features[-1 - i].shape[-2:])


def test_a_stage_concatenates_its_backbone_level_and_the_upsampled_coarser_feature():
    branch = MultiScaleRefinementDecoder(in_channels=2, feature_channels=(1, 2), channels=(3, 1))
    branch.stages[1] = nn.Identity()
    fine = torch.randn(1, 1, 4, 6)
    coarse = torch.randn(1, 3, 2, 3)
    out = branch.forward_stage(1, coarse, dict(features=[fine, torch.randn(1, 2, 2, 3)]))
    expected = torch.cat([fine, F.interpolate(coarse, size=(4, 6), mode='bilinear',
                                              align_corners=False)], 1)
    assert torch.equal(out, expected)
    assert branch.channels_at(1) == 3 and branch.out_channels == 1


def test_branch_errors_name_the_fix():
    with pytest.raises(ValueError, match='reads the deepest backbone level first.*in_index at -1'):
        MultiScaleRefinementDecoder(in_channels=8, feature_channels=(8, 16))
    with pytest.raises(ValueError, match=r'one width per backbone level \(2\)'):
        MultiScaleRefinementDecoder(in_channels=16, feature_channels=(8, 16), channels=(4,))


# ------------------------------------------------------------------ feature propagation
class Fixed(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x):
        return self.value


@pytest.mark.parametrize('layout', ['tasks', 'interleaved'])
def test_fpm_is_the_task_softmax_reduction_and_residual(layout):
    """Two tasks of C = 2 channels; f's logits, the reduction g (sum of the task blocks) and
    the SE blocks (identity) fixed by hand: G^t = Σ_n M_n ⊙ X_n + F^t."""
    fpm = FeaturePropagation(tasks=('a', 'b'), channels=dict(a=2, b=2), mask_layout=layout)
    a, b = torch.randn(1, 2, 3, 3), torch.randn(1, 2, 3, 3)
    logits = torch.randn(1, 4, 3, 3)
    fpm.attention = Fixed(logits)
    fpm.reduction = nn.Conv2d(4, 2, 1, bias=False)
    with torch.no_grad():  # S_c = (M ⊙ X)_{a,c} + (M ⊙ X)_{b,c}: channels c and 2 + c
        fpm.reduction.weight.copy_(torch.tensor([[1., 0, 1, 0], [0, 1, 0, 1]]).view(2, 4, 1, 1))
    fpm.excitation = nn.ModuleDict(dict(a=nn.Identity(), b=nn.Identity()))
    out = fpm(dict(a=a, b=b))
    x = torch.cat([a, b], 1)
    if layout == 'tasks':  # channel c of task a competes with channel c of task b
        per_task = torch.softmax(torch.stack([logits[:, :2], logits[:, 2:]]), dim=0)
        mask = torch.cat([per_task[0], per_task[1]], 1)
    else:  # the released code: channels (0, 1) compete, and (2, 3)
        mask = torch.cat([torch.softmax(logits[:, 0:2], 1), torch.softmax(logits[:, 2:4], 1)], 1)
    shared = (mask * x)[:, :2] + (mask * x)[:, 2:]
    assert torch.allclose(out['a'], shared + a, atol=1e-6)
    assert torch.allclose(out['b'], shared + b, atol=1e-6)


def test_fpm_squeeze_excitation_scales_the_shared_channels_per_task():
    fpm = FeaturePropagation(tasks=('a', 'b'), channels=dict(a=16, b=16), se_reduction=4)
    se = fpm.excitation['a']
    assert se.fc1.out_channels == 4
    shared = torch.randn(2, 16, 3, 3)
    squeeze = shared.mean((2, 3), keepdim=True)
    expected = shared * torch.sigmoid(se.fc2(F.relu(se.fc1(squeeze))))
    assert torch.allclose(se(shared), expected, atol=1e-6)
    out = fpm(dict(a=torch.randn(2, 16, 3, 3), b=torch.randn(2, 16, 3, 3)))
    assert out['a'].shape == (2, 16, 3, 3) and not torch.allclose(out['a'], out['b'])


def test_fpm_config_errors():
    with pytest.raises(ValueError, match='mask_layout must be one of'):
        FeaturePropagation(tasks=('a', 'b'), channels=dict(a=2, b=2), mask_layout='rows')
    with pytest.raises(ValueError, match='at least two'):
        FeaturePropagation(tasks=('a',), channels=dict(a=8))
    with pytest.raises(ValueError, match='equal widths'):
        FeaturePropagation(tasks=('a', 'b'), channels=dict(a=8, b=4))


# ------------------------------------------------------------------ distillation + aggregation
def test_distillation_at_each_scale_gates_each_message_by_its_source_then_aggregates():
    """F°_{s,k} = F_{s,k} + Σ_{l≠k} σ(W F_{s,l}) ⊙ (W' F_{s,l}), then [F°_1, up(F°_2)]."""
    module = MultiScaleDistillation(tasks=('depth',), input_channels=dict(depth=[1, 1], seg=[1, 1],
                                                                          normals=[1, 1]), fuse=False)
    assert module.output_channels() == dict(depth=2)
    weights = {0: dict(seg=(0.5, 2.0), normals=(-1.0, 3.0)), 1: dict(seg=(1.5, -1.0), normals=(2.0, 0.5))}
    for s, pairs in weights.items():
        for source, (gate, message) in pairs.items():
            centre_taps(module.scales[s].gates[f'{source}_to_depth'], gate)
            centre_taps(module.scales[s].messages[f'{source}_to_depth'], message)
    fine = {t: torch.randn(2, 1, 4, 6) for t in ('depth', 'seg', 'normals')}
    coarse = {t: torch.randn(2, 1, 1, 1).expand(2, 1, 2, 3) for t in fine}  # constant: exact up-sampling
    out = module(dict(depth=coarse['depth']), **{t: [fine[t], coarse[t]] for t in fine})

    def distilled(f, s):
        return f['depth'] + sum(torch.sigmoid(g * f[t]) * (m * f[t]) for t, (g, m) in weights[s].items())

    assert out['depth'].shape == (2, 2, 4, 6)
    assert torch.allclose(out['depth'][:, :1], distilled(fine, 0), atol=1e-6)
    assert torch.allclose(out['depth'][:, 1:], distilled(coarse, 1)[..., :1, :1].expand(2, 1, 4, 6), atol=1e-6)


def test_aggregation_ends_with_a_1x1_conv_bn_relu_over_the_scales():
    module = MultiScaleDistillation(tasks=('seg',), input_channels=dict(seg=[2, 1], depth=[2, 1])).eval()
    assert module.output_channels() == dict(seg=3)
    conv = module.fuse['seg'][0]
    assert conv.kernel_size == (1, 1) and conv.in_channels == conv.out_channels == 3
    mix = torch.tensor([[1., 0, 0], [0, 0, 1], [1, 1, -1]])
    with torch.no_grad():
        conv.weight.copy_(mix.view(3, 3, 1, 1))
    plain = MultiScaleDistillation(tasks=('seg',), input_channels=dict(seg=[2, 1], depth=[2, 1]), fuse=False)
    plain.scales.load_state_dict(module.scales.state_dict())
    inputs = dict(seg=[torch.randn(1, 2, 4, 4), torch.randn(1, 1, 2, 2)],
                  depth=[torch.randn(1, 2, 4, 4), torch.randn(1, 1, 2, 2)])
    aggregated = plain(dict(seg=None), **inputs)['seg']
    expected = F.relu(torch.einsum('oc,bchw->bohw', mix, aggregated) / (1 + 1e-5) ** 0.5)
    assert torch.allclose(module(dict(seg=None), **inputs)['seg'], expected, atol=1e-6)


def test_distillation_input_errors():
    with pytest.raises(ValueError, match=r"name one tensor each.*\['feature:seg@1'"):
        MultiScaleDistillation(tasks=('seg',), input_channels=dict(seg=8, depth=[8]))
    with pytest.raises(ValueError, match='same scales'):
        MultiScaleDistillation(tasks=('seg',), input_channels=dict(seg=[8, 8], depth=[8]))
    with pytest.raises(ValueError, match=r"receiving tasks \['seg'\] need their own features"):
        MultiScaleDistillation(tasks=('seg',), input_channels=dict(depth=[8], normals=[8]))


# ------------------------------------------------------------------ the whole model
def test_every_scale_has_its_features_and_initial_predictions(model):
    named = model.forward_named(batch(model)['inputs'])
    for task in TASKS:
        for s, r in REDUCTION.items():
            assert named.features[(task, s)].shape == (2, 8, H // r, W // r), (task, s)
    for task, scales in (('depth', (1, 2, 3, 4)), ('seg', (1, 2, 3, 4)),
                         ('normals', (1, 2, 3)), ('contours', (1, 2, 3))):
        for s in scales:
            assert named.outputs[f'{task}@{s}'].shape[-2:] == (H, W)
    # the final heads decode the aggregation of the four scales (4 × 8 channels) at 1/4
    assert model.heads['depth'].conv[0].in_channels == 32
    assert model.heads['normals'].conv[0].in_channels == 8  # auxiliary: its finest-scale prediction


def test_deep_supervision_losses_exist_per_scale_and_gradients_reach_every_part(model):
    model.train()
    model.zero_grad()
    losses = model(**batch(model), mode='loss')
    expected = ({f'{t}.{n}' for t, n in (('depth', 'l1'), ('seg', 'ce'), ('normals', 'l1'), ('contours', 'bce'))}
                | {f'{t}@{s}.{n}' for t, n in (('depth', 'l1'), ('seg', 'ce')) for s in (1, 2, 3, 4)}
                | {f'{t}@{s}.{n}' for t, n in (('normals', 'l1'), ('contours', 'bce')) for s in (1, 2, 3)})
    assert {k[len('loss_'):] for k in losses if k.startswith('loss_')} == expected
    assert all(torch.isfinite(losses[name]) for name in expected)
    sum(v for k, v in losses.items() if k.startswith('loss_')).backward()
    parts = [model.backbone, model.interactions['distill']] + \
        [model.interactions[f'fpm{s}'] for s in (1, 2, 3)] + \
        [model.branches[t].stages[i] for t in TASKS for i in range(4)] + \
        [model.heads[name] for name in model.heads]
    for part in parts:
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters()), part


def test_segmentation_loss_reaches_the_other_tasks_through_fpm_and_distillation(model):
    model.train()
    model.zero_grad()
    losses = model(**batch(model), mode='loss')
    losses['loss_seg.ce'].backward()  # the final segmentation loss alone
    for task in ('depth', 'normals', 'contours'):
        for i in range(4):
            grads = [p.grad for p in model.branches[task].stages[i].parameters()]
            assert any(g is not None and g.abs().sum() > 0 for g in grads), (task, i)
    assert model.heads['depth'].last_conv.weight.grad is None


def test_predict_runs_the_branches_and_interactions_but_no_initial_prediction(model):
    model.eval()
    calls = {}
    hooks = [module.register_forward_hook(lambda *a, name=name: calls.__setitem__(name, calls.get(name, 0) + 1))
             for name, module in list(model.heads.items()) + list(model.interactions.items())]
    preds = model(**batch(model, training=False), mode='predict')
    for hook in hooks:
        hook.remove()
    assert set(preds[0]['pred']) == {'depth', 'seg'}
    assert calls == {'depth': 1, 'seg': 1, 'fpm1': 1, 'fpm2': 1, 'fpm3': 1, 'distill': 1}
    assert preds[0]['pred']['seg'].shape == (H, W)


@pytest.mark.parametrize('change,key,message', [
    (lambda m: m.interactions.distill.update(after_stage=3, inputs={
        t: [f'feature:{t}@{s}' for s in (1, 2, 3)] for t in TASKS}),
     'model.interactions.distill', r'returns 24 channels for "depth", so it must be the last '
                                   r'interaction of that task, at its branch\'s last boundary \(after_stage=4\)'),
    (lambda m: m.interactions.distill.update(after_stage=3),
     'model.interactions.distill', r'"feature:depth@4" .* produced at boundary 4, after this reader runs'),
    (lambda m: m.interactions.distill.inputs.update(normals='feature:normals@4'),
     'model.interactions.distill', 'name one tensor each'),
    (lambda m: m.interactions.distill.inputs.update(normals=[]),
     'model.interactions.distill.inputs.normals', 'an empty list reads nothing'),
    (lambda m: m.tasks.seg.branch.update(channels=(4, 8, 8, 8)),
     'model.interactions.fpm1', 'equal widths'),
    (lambda m: m.tasks.depth.update(in_index=-2),
     'model.tasks.depth.branch', 'in_index at -1'),
])
def test_bad_configs_are_errors_naming_the_key(change, key, message):
    cfg = synthrooms_cfg()
    change(cfg.model)
    with pytest.raises(ConfigError, match=message) as error:
        MODELS.build(cfg.model)
    assert str(error.value).startswith(key), str(error.value)


def test_single_task_baseline_keeps_the_branch_and_initial_predictions_and_drops_the_rest():
    """tools/baselines.py's derivation (mtl/utils/single_task.py) follows the list reads."""
    cfg = Config.fromfile(str(CONFIGS / 'mtinet_synthrooms.py'))
    depth, notes = single_task_config(cfg, 'depth')
    assert list(depth.model.tasks) == ['depth'] and depth.model.interactions == {}
    assert depth.model.tasks.depth.deep_supervision == (1, 2, 3, 4)
    assert list(depth.model.losses) == ['depth.l1'] + [f'depth@{s}.l1' for s in (1, 2, 3, 4)]
    assert [n.split(' ')[1] for n in notes] == ['model.interactions.fpm1', 'model.interactions.fpm2',
                                                'model.interactions.fpm3', 'model.interactions.distill']
    assert "reads ['feature:seg@1', 'feature:seg@2'" in notes[-1]
    model = MODELS.build(depth.model)
    assert model.heads['depth'].conv[0].in_channels == 32  # no aggregation: the 1/4 feature


# ------------------------------------------------------------------ NYUD-MT
def runner_for(cfg: Config, work_dir: Path) -> Runner:
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return Runner(**{k: v for k, v in cfg.items() if k in keys})


def test_nyudmt_config_is_hrnet18_mtinet_over_four_tasks():
    cfg = Config.fromfile(str(CONFIGS / 'nyudmt' / 'mtinet.py'))
    assert cfg.model.backbone.model_name == 'hrnet_w18' and cfg.model.backbone.pretrained
    cfg.model.backbone.pretrained = False
    model = MODELS.build(cfg.model)
    assert model.backbone.out_channels == [18, 36, 72, 144]
    assert model.branches['seg'].stage_channels == [144, 72, 36, 18]
    assert [n for n in model.interactions] == ['fpm1', 'fpm2', 'fpm3', 'distill']
    assert model.heads['seg'].conv[0].in_channels == 270 and model.heads['seg'].out_channels == 40
    assert list(model.predict_plan.outputs) == list(TASKS)
    base = Config.fromfile(str(CONFIGS / '_base_' / 'models' / 'nyudmt_resnet50.py'))
    for name, weight in base.loss_weights.items():  # the base's losses and weights, at every scale
        task, what = name.split('.')
        for output in [task] + [f'{task}@{s}' for s in (1, 2, 3, 4)]:
            assert model.combiner.weights[f'{output}.{what}'] == weight, output
            assert cfg.model.losses[f'{output}.{what}'] == base.losses[name]


def test_nyudmt_config_trains_and_tests_on_tiny_files(tmp_path):
    root = tmp_path / 'NYUD_MT'
    make_nyud_mt_root(root, ['a', 'b'], ['c'])
    cfg = Config.fromfile(str(CONFIGS / 'nyudmt' / 'mtinet.py'))
    cfg.model.backbone.update(model_name='test_resnet', pretrained=False)
    cfg.model.backbone.pop('feature_location')  # an HRNet option
    for spec in cfg.model.tasks.values():
        spec.branch.channels = (8, 8, 8, 8)
    cfg.train_dataloader.dataset.pipeline[0]['crop_size'] = (12, 16)  # 12x16 frames
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root)
    cfg.train_cfg.update(max_epochs=2, val_interval=2)  # two iterations of batch 2
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator[0]['depth_caps'] = ()
    runner = runner_for(cfg, tmp_path / 'work')
    runner.train()
    metrics = runner.test()
    assert metrics['depth/abs_rel'] >= 0 and 0 <= metrics['seg/miou'] <= 1
