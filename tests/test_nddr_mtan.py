"""NDDR layers (Gao et al., CVPR 2019) and MTAN's task attention (Liu et al., CVPR 2019):
the units on hand-made tensors, then their configs training a few iterations on SynthRooms
and on tiny NYUD-MT files."""
import inspect
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
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
