"""MTLOptimWrapperConstructor (per-module lr_mult) and CPUAutocastOptimWrapper."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(2, 2)
        self.norm = nn.BatchNorm1d(2)
        self.fast = nn.Linear(2, 2)
        self.fast.lr_mult = 10  # what CrossStitchUnit sets
        self.plain = nn.Linear(2, 2)
        self.plain.lr_mult = None  # as Interaction's default: no multiplier

    def forward(self, x):
        return self.plain(self.fast(self.norm(self.body(x))))


class Wrapped(nn.Module):
    """Stands for DistributedDataParallel: the model under ``.module``."""

    def __init__(self, module):
        super().__init__()
        self.module = module


def build(model, **cfg):
    cfg = dict(dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, weight_decay=0.01),
                    constructor='MTLOptimWrapperConstructor'), **cfg)
    with DefaultScope.overwrite_default_scope('mtl'):
        return build_optim_wrapper(model, cfg)


def settings(wrapper, key):
    return {id(p): g[key] for g in wrapper.optimizer.param_groups for p in g['params']}


def test_lr_mult_attributes_become_learning_rate_multipliers():
    net = Net()
    lr = settings(build(net), 'lr')
    assert lr[id(net.fast.weight)] == pytest.approx(1.0) and lr[id(net.fast.bias)] == pytest.approx(1.0)
    assert lr[id(net.body.weight)] == pytest.approx(0.1) and lr[id(net.plain.weight)] == pytest.approx(0.1)
    assert len(lr) == len(list(net.parameters()))


def test_other_paramwise_options_still_apply():
    net = Net()
    wrapper = build(net, paramwise_cfg=dict(norm_decay_mult=0.0))
    decay, lr = settings(wrapper, 'weight_decay'), settings(wrapper, 'lr')
    assert decay[id(net.norm.weight)] == 0.0 and decay[id(net.body.weight)] == pytest.approx(0.01)
    assert lr[id(net.fast.weight)] == pytest.approx(1.0)


def test_a_custom_key_in_the_config_overrides_lr_mult():
    net = Net()
    lr = settings(build(net, paramwise_cfg=dict(custom_keys={'fast.': dict(lr_mult=2.0)})), 'lr')
    assert lr[id(net.fast.weight)] == pytest.approx(0.2)


def test_wrapped_models_are_unwrapped():
    net = Net()
    lr = settings(build(Wrapped(net)), 'lr')
    assert lr[id(net.fast.weight)] == pytest.approx(1.0) and lr[id(net.body.weight)] == pytest.approx(0.1)


def test_without_any_lr_mult_the_default_constructor_runs():
    net = nn.Sequential(nn.Linear(2, 2))
    wrapper = build(net)
    assert len(wrapper.optimizer.param_groups) == 1 and wrapper.optimizer.param_groups[0]['lr'] == 0.1


def test_cpu_autocast_wrapper_runs_forward_in_bfloat16_and_steps():
    net = Net()
    wrapper = build(net, type='CPUAutocastOptimWrapper')
    before = net.body.weight.detach().clone()
    with wrapper.optim_context(net):
        out = net(torch.randn(4, 2))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert not torch.equal(net.body.weight, before)
    assert net.body.weight.dtype == torch.float32


def test_groups_with_equal_settings_are_merged_and_step_as_one_group_per_parameter():
    torch.manual_seed(0)
    nets = [Net(), Net()]
    nets[1].load_state_dict(nets[0].state_dict())
    paramwise = dict(norm_decay_mult=0.0, bias_decay_mult=0.0)
    merged = build(nets[0], paramwise_cfg=paramwise)
    named = build(nets[1], paramwise_cfg=dict(paramwise, named_groups=True))
    assert len(named.optimizer.param_groups) == 8  # one per parameter
    # (lr 0.1, decay), (lr 0.1, no decay: biases and norm), (lr 1, decay: fast.*, whose
    # custom key takes precedence over bias_decay_mult in mmengine)
    assert len(merged.optimizer.param_groups) == 3
    for key in ('lr', 'weight_decay'):
        per_param = settings(named, key)
        assert [settings(merged, key)[id(p)] for p in nets[0].parameters()] == \
            [per_param[id(p)] for p in nets[1].parameters()]
    for net, wrapper in zip(nets, (merged, named)):
        wrapper.update_params(net(torch.randn(4, 2, generator=torch.Generator().manual_seed(1))).sum())
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert torch.equal(a, b)
