"""NDDR layers (Gao et al., CVPR 2019) and MTAN's task attention (Liu et al., CVPR 2019):
the units on hand-made tensors, then their configs training a few iterations on SynthRooms
and on tiny NYUD-MT files."""
import inspect
import re
import shutil
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from nyud2_fixtures import make_nyud_mt_root, tiny_nyud_mt_run
from mtl.models.builder import ConfigError
from mtl.models.interactions.mtan import MTANAttention, resample
from mtl.models.interactions.nddr import NDDRUnit
from mtl.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'


def plane(*values):
    """(1, C, 2, 2): channel c constant at values[c]."""
    return torch.tensor(values, dtype=torch.float32).view(1, -1, 1, 1).expand(1, -1, 2, 2).clone()


# ---------------------------------------------------------------- NDDR
def test_nddr_initial_projection_is_alpha_same_own_plus_alpha_cross_others():
    unit = NDDRUnit(['a', 'b', 'c'], channels=dict(a=2, b=2, c=2))
    x = dict(a=plane(1, 10), b=plane(2, 20), c=plane(4, 40))
    stacked = torch.cat([x['a'], x['b'], x['c']], 1)
    conv = {t: unit.fuse[t][0](stacked) for t in 'abc'}  # before BatchNorm
    # a: 0.9·(1, 10) + 0.1·(2 + 4, 20 + 40) = (1.5, 15); b: 0.1·5 + 0.9·2 = 2.3; c: 0.1·3 + 3.6
    assert torch.allclose(conv['a'], plane(1.5, 15.0))
    assert torch.allclose(conv['b'], plane(2.3, 23.0))
    assert torch.allclose(conv['c'], plane(3.9, 39.0))
    assert unit.fuse['a'][0].weight.shape == (2, 6, 1, 1) and unit.lr_mult == 100.0


def test_nddr_is_conv_then_batchnorm_then_relu():
    unit = NDDRUnit(['a', 'b'], channels=dict(a=2, b=2), alpha_same=1.0, alpha_cross=-1.0).eval()
    with torch.no_grad():
        unit.fuse['a'][1].running_mean.fill_(1.0)
        unit.fuse['a'][1].running_var.fill_(4.0 - 1e-5)  # σ = 2
    out = unit(dict(a=plane(5, 1), b=plane(2, 3)))
    # a: (5 − 2, 1 − 3) = (3, −2) -> BN (x − 1)/2 = (1, −1.5) -> ReLU (1, 0)
    assert torch.allclose(out['a'], plane(1.0, 0.0))
    # b: (2 − 5, 3 − 1) = (−3, 2), BN the identity -> ReLU (0, 2)
    assert torch.allclose(out['b'], plane(0.0, 2.0), atol=1e-4)
    assert unit.fuse['a'][1].momentum == 0.05


def test_nddr_shapes_and_gradients_reach_every_task():
    unit = NDDRUnit(['a', 'b', 'c'], channels=dict(a=8, b=8, c=8))
    x = {t: torch.randn(2, 8, 5, 7, requires_grad=True) for t in 'abc'}
    out = unit(x)
    assert {t: tuple(v.shape) for t, v in out.items()} == {t: (2, 8, 5, 7) for t in 'abc'}
    out['a'].sum().backward()  # task a's output alone reads every task's feature
    for t in 'abc':
        assert x[t].grad is not None and x[t].grad.abs().sum() > 0, t
    assert unit.fuse['a'][0].weight.grad.abs().sum() > 0
    assert unit.fuse['b'][0].weight.grad is None


def test_nddr_bad_configurations():
    with pytest.raises(ValueError, match='equal channels.*a.: 4, .b.: 8'):
        NDDRUnit(['a', 'b'], channels=dict(a=4, b=8))
    with pytest.raises(ValueError, match='at least two tasks'):
        NDDRUnit(['a'], channels=dict(a=4))


def test_nddr_lr_mult_reaches_the_optimizer():
    unit = NDDRUnit(['a', 'b'], channels=dict(a=2, b=2), lr_mult=10.0)
    cfg = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01),
               constructor='MTLOptimWrapperConstructor')
    model = torch.nn.ModuleDict(dict(nddr=unit, other=torch.nn.Conv2d(2, 2, 1)))
    with DefaultScope.overwrite_default_scope('mtl'):
        wrapper = build_optim_wrapper(model, cfg)
    lrs = {id(p): g['lr'] for g in wrapper.optimizer.param_groups for p in g['params']}
    for p in unit.parameters():  # the 1×1 convolutions and the BatchNorms
        assert lrs[id(p)] == pytest.approx(0.1)
    assert lrs[id(model['other'].weight)] == pytest.approx(0.01)


# ---------------------------------------------------------------- MTAN
def mtan(blocks=((2, 2),), tasks=('a', 'b'), **kwargs):
    """An MTAN attention over blocks of (C_u, C_p), branches as wide as the last p."""
    widths = dict(u=[u for u, _ in blocks], p=[p for _, p in blocks])
    return MTANAttention(list(tasks), {t: blocks[-1][1] for t in tasks}, widths, **kwargs)


def set_logit_bias(unit, task, j, bias):
    """Make h's 1×1 conv output zero, so that the mask is sigmoid(BN bias) per channel."""
    h = unit.attention[task][j][1]
    with torch.no_grad():
        h[0].weight.zero_()
        h[1].bias.copy_(torch.as_tensor(bias, dtype=torch.float32))


def test_mtan_zero_logit_mask_halves_the_shared_feature():
    unit = mtan()
    for task in 'ab':
        set_logit_bias(unit, task, 0, 0.0)
    p, u = torch.randn(2, 2, 4, 6), torch.randn(2, 2, 4, 6)
    out = unit({'a': torch.zeros(2, 2, 4, 6), 'b': torch.zeros(2, 2, 4, 6)}, u=[u], p=[p])
    assert torch.allclose(out['a'], 0.5 * p) and torch.allclose(out['b'], 0.5 * p)


def test_mtan_masks_are_per_task_and_per_channel():
    unit = mtan()
    set_logit_bias(unit, 'a', 0, [torch.log(torch.tensor(3.0)), 0.0])  # sigmoid(ln 3) = 0.75
    set_logit_bias(unit, 'b', 0, [-torch.log(torch.tensor(3.0)), 50.0])  # 0.25, ~1
    p = plane(4, 8)
    out = unit({'a': p, 'b': p}, u=torch.randn(1, 2, 2, 2), p=p)  # one block: one tensor each
    assert torch.allclose(out['a'], plane(3.0, 4.0))  # (0.75·4, 0.5·8)
    assert torch.allclose(out['b'], plane(1.0, 8.0))  # (0.25·4, 1·8)


def test_mtan_second_block_reads_u_and_the_refined_pooled_first_attention():
    """a^(2) = h(g([u^(2); pool(f(a^(1) ⊙ p^(1)))])): the equation with the unit's own g, h, f."""
    unit = mtan(blocks=((2, 3), (4, 5))).eval()
    u1, p1 = torch.randn(1, 2, 8, 8), torch.randn(1, 3, 8, 8)
    u2, p2 = torch.randn(1, 4, 4, 4), torch.randn(1, 5, 4, 4)
    out = unit({'a': p2, 'b': p2}, u=[u1, u2], p=[p1, p2])
    for task in 'ab':
        a1 = unit.attention[task][0](u1)
        previous = torch.nn.functional.max_pool2d(unit.refine[0](a1 * p1), 2)  # the paper's 2×2 pooling
        a2 = unit.attention[task][1](torch.cat([u2, previous], 1))
        assert torch.allclose(out[task], a2 * p2, atol=1e-6)
        assert ((a2 > 0) & (a2 < 1)).all()  # a sigmoid mask
    assert not torch.allclose(out['a'], out['b'])  # each task attends in its own way
    assert unit.attention['a'][1][0][0].in_channels == 8 and unit.refine[0][0].out_channels == 4


def test_mtan_resampling_pools_down_interpolates_up_keeps_equal():
    x = torch.arange(16.0).view(1, 1, 4, 4)
    assert torch.equal(resample(x, (2, 2)), torch.tensor([[[[5.0, 7.0], [13.0, 15.0]]]]))
    assert resample(x, (4, 4)) is x
    odd = torch.arange(25.0).view(1, 1, 5, 5)  # 5 -> 3 as a stride-2 convolution: windows 2, 2, 1
    assert torch.equal(resample(odd, (3, 3)), torch.tensor([[[[6.0, 8.0, 9.0], [16.0, 18.0, 19.0],
                                                             [21.0, 23.0, 24.0]]]]))
    assert torch.equal(resample(torch.arange(6.0).view(1, 1, 1, 6), (1, 4)),  # 6 -> 4: adaptive
                       torch.tensor([[[[1.0, 2.0, 4.0, 5.0]]]]))
    up = resample(torch.ones(1, 1, 2, 2), (4, 4))
    assert up.shape == (1, 1, 4, 4) and torch.allclose(up, torch.ones(1, 1, 4, 4))


def test_mtan_shapes_and_gradients_reach_the_shared_features_of_every_block():
    unit = mtan(blocks=((2, 3), (4, 5), (5, 5)))
    shared = dict(u1=torch.randn(2, 2, 8, 12), p1=torch.randn(2, 3, 8, 12),
                  u2=torch.randn(2, 4, 4, 6), p2=torch.randn(2, 5, 4, 6),
                  u3=torch.randn(2, 5, 4, 6), p3=torch.randn(2, 5, 4, 6))  # block 3 dilated: same size
    for value in shared.values():
        value.requires_grad_(True)
    out = unit({'a': torch.zeros(2, 5, 4, 6), 'b': torch.zeros(2, 5, 4, 6)},
               u=[shared[f'u{j}'] for j in (1, 2, 3)], p=[shared[f'p{j}'] for j in (1, 2, 3)])
    assert {t: tuple(v.shape) for t, v in out.items()} == {'a': (2, 5, 4, 6), 'b': (2, 5, 4, 6)}
    out['a'].sum().backward()
    for name, value in shared.items():
        assert value.grad is not None and value.grad.abs().sum() > 0, name
    grads = {n: p.grad for n, p in unit.named_parameters()}
    assert all(g is not None for n, g in grads.items() if n.startswith(('attention.a.', 'refine.')))
    assert all(g is None for n, g in grads.items() if n.startswith('attention.b.'))


@pytest.mark.parametrize('widths, message', [
    (dict(p=[2, 2]), r'reads inputs=dict\(u=\[...\], p=\[...\]\) .*; inputs.u is missing'),
    (dict(u=[2, 2], p=[2]), r'inputs.u names 2 blocks and inputs.p 1: give one u and one p per block'),
    (dict(u=[2], p=[3]), r'attended last p \(3 channels\), but the branches of \{.a.: 2, .b.: 2\}'),
])
def test_mtan_bad_configurations(widths, message):
    with pytest.raises(ValueError, match=message):
        MTANAttention(['a', 'b'], dict(a=2, b=2), widths)
    with pytest.raises(ValueError, match='reduction must be a positive integer'):
        MTANAttention(['a', 'b'], dict(a=2, b=2), dict(u=2, p=2), reduction=0)


def test_mtan_config_errors_name_the_interaction_key():
    cfg = load('mtan_synthrooms.py')
    cfg.model.backbone.model_name = 'resnet10t'
    inputs = cfg.model.interactions.attention.inputs
    inputs.p[-1] = 'backbone:body.layer3'  # 256 channels; the decoders start from layer4's 512
    with pytest.raises(ConfigError, match=r'model.interactions.attention: MTANAttention gives each '
                                          r'task the attended last p \(256 channels\)'):
        MODELS.build(cfg.model)
    inputs.p[-1] = 'backbone:body.layer9'
    with pytest.raises(ConfigError, match=r'model.backbone has no sub-module "body.layer9".*similar'):
        MODELS.build(cfg.model)


def test_mtan_u_and_p_of_different_resolutions_is_an_error():
    unit = mtan()
    with pytest.raises(ValueError, match=r'block 1: u is \(4, 4\) and p \(2, 2\)'):
        unit({'a': plane(1, 1)}, u=[torch.zeros(1, 2, 4, 4)], p=[torch.zeros(1, 2, 2, 2)])


# ---------------------------------------------------------------- configs
def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / name))


def runner_for(cfg: Config, work_dir: Path) -> Runner:
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return Runner(**{k: v for k, v in cfg.items() if k in keys})  # no config dump: faster


def tiny_synthrooms(cfg: Config, iters: int = 2) -> Config:
    small = dict(img_size=(32, 48), num_samples=4)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.update(small)
    cfg.train_dataloader.dataset.pipeline = []
    cfg.train_cfg.update(max_iters=iters, val_interval=iters)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters)
    return cfg


def test_nddr_synthrooms_config_places_a_layer_after_each_encoder_stage(tmp_path):
    cfg = tiny_synthrooms(load('nddr_synthrooms.py'))
    runner = runner_for(cfg, tmp_path)
    model = runner.model
    assert model.backbone is None
    assert {n: (type(m).__name__, model.graph.placements[n].boundary)
            for n, m in model.interactions.items()} == {
        f'nddr{k}': ('NDDRUnit', k) for k in (1, 2, 3, 4)}
    before = {n: p.detach().clone() for n, p in model.interactions.named_parameters()}
    runner.train()
    moved = [n for n, p in model.interactions.named_parameters() if not torch.equal(p, before[n])]
    assert any(n.endswith('0.weight') for n in moved)  # the 1×1 convolutions learn
    metrics = runner.test()
    assert metrics['depth/abs_rel'] >= 0 and 0 <= metrics['seg/miou'] <= 1


def test_mtan_synthrooms_config_attends_over_the_shared_backbone_stages(tmp_path):
    cfg = tiny_synthrooms(load('mtan_synthrooms.py'))
    runner = runner_for(cfg, tmp_path)
    model = runner.model
    attention = model.interactions['attention']
    assert model.graph.placements['attention'].boundary == 0
    assert model.graph.backbone_reads() == sorted(
        [f'body.layer{j}' for j in (1, 2, 3, 4)] + [f'body.layer{j}.0' for j in (1, 2, 3, 4)])
    # ResNet-18 widths: u and p of stage j both have 64·2^(j-1) channels; g reads [u; f(â)]
    assert [m[0][0].in_channels for m in attention.attention['depth']] == [64, 256, 512, 1024]
    before = {n: p.detach().clone() for n, p in attention.named_parameters()}
    runner.train()
    moved = {n.split('.')[0] for n, p in attention.named_parameters() if not torch.equal(p, before[n])}
    assert moved == {'attention', 'refine'}
    metrics = runner.test()
    assert metrics['depth/abs_rel'] >= 0 and 0 <= metrics['seg/miou'] <= 1


# ---------------------------------------------------------------- NYUD-MT
NYUDMT_TASKS = ['depth', 'seg', 'normals', 'contours']


def tiny_nyudmt(cfg: Config, root: Path) -> Config:
    """timm's 8-channel test ResNet (one block per stage, so u^(j) is the stage's block .0),
    8-channel decoders, crops of 8×12, two iterations, the tiny tree's files."""
    def shrink(node):
        if isinstance(node, dict):
            if 'model_name' in node:
                node.update(model_name='test_resnet', pretrained=False)
            if node.get('type') == 'PyramidPoolingDecoder':
                node['channels'] = 8
            if node.get('type') == 'MTANAttention':
                node['inputs']['u'] = [re.sub(r'(layer\d)\.\d+$', r'\1.0', v) for v in node['inputs']['u']]
            for value in node.values():
                shrink(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                shrink(value)
    shrink(cfg.model)
    tiny_nyud_mt_run(cfg, root)
    return cfg


@pytest.fixture
def nyud_mt_root(tmp_path, shared_data):
    root = tmp_path / 'NYUD_MT'
    make_nyud_mt_root(root, ['0000', '0001', '0002', '0003'], ['0100', '0101'])
    shutil.copyfile(shared_data / 'nyudv2' / 'classMapping40.mat', root / 'classMapping40.mat')
    return root


def test_nyudmt_nddr_config_is_resnet50_per_task_with_a_layer_after_each_stage():
    cfg = Config.fromfile(str(CONFIGS / 'nyudmt' / 'nddr.py'))
    assert cfg.model.backbone is None and list(cfg.model.tasks) == NYUDMT_TASKS
    for spec in cfg.model.tasks.values():
        encoder, decoder = spec.branch.parts
        assert (encoder.model_name, encoder.pretrained, encoder.output_stride) == ('resnet50', True, 8)
        assert decoder.type == 'PyramidPoolingDecoder'
    assert {n: (i.after_stage, list(i.tasks), i.alpha_same, i.alpha_cross)
            for n, i in cfg.model.interactions.items()} == {
        f'nddr{k}': (k, NYUDMT_TASKS, 0.9, 0.1) for k in (1, 2, 3, 4)}
    assert cfg.model.combiner.weights == {'depth.l1': 1.0, 'seg.ce': 1.0, 'normals.l1': 10.0,
                                          'contours.bce': 50.0}


def test_nyudmt_mtan_config_reads_each_resnet50_stage_and_its_last_bottleneck_input():
    cfg = Config.fromfile(str(CONFIGS / 'nyudmt' / 'mtan.py'))
    assert cfg.model.backbone.model_name == 'resnet50' and cfg.model.backbone.pretrained
    attention = cfg.model.interactions.attention
    assert attention.inputs == dict(
        u=['backbone:body.layer1.1', 'backbone:body.layer2.2', 'backbone:body.layer3.4',
           'backbone:body.layer4.1'],
        p=['backbone:body.layer1', 'backbone:body.layer2', 'backbone:body.layer3', 'backbone:body.layer4'])
    assert list(attention.tasks) == NYUDMT_TASKS and attention.after_stage == 0


@pytest.mark.parametrize('name', ['nddr.py', 'mtan.py'])
def test_nyudmt_config_trains_and_evaluates_on_a_tiny_tree(name, nyud_mt_root, tmp_path):
    cfg = tiny_nyudmt(Config.fromfile(str(CONFIGS / 'nyudmt' / name)), nyud_mt_root)
    runner = runner_for(cfg, tmp_path / 'work')
    interactions = runner.model.interactions
    before = {n: p.detach().clone() for n, p in interactions.named_parameters()}
    runner.train()
    assert runner.iter == 2
    assert any(not torch.equal(p, before[n]) for n, p in interactions.named_parameters())
    metrics = runner.test()
    for key in ('depth/abs_rel', 'seg/miou', 'normals/mean_angle', 'contours/ods_f'):
        assert key in metrics, sorted(metrics)
