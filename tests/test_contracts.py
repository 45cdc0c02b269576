"""The contracts of ``mtl/models/base.py`` one by one: their defaults, their checks, and
the plugins written before them that must keep working (no paper: framework plumbing)."""
import inspect

import pytest
import torch
from torch import nn

from mtl.engine import partial_supervision, training_stages
from mtl.models.base import (AuxiliaryLosses, Combiner, ContractError, Interaction, Switchable,
                             TaskGated, TaskModel, auxiliary_loss_names, lr_multiplier)
from mtl.models.interactions.lateral_sharing import LateralSharingUnit
from mtl.registry import MODELS

DEPTH_HEAD = dict(type='DepthHead', min_depth=1e-3, max_depth=10.0)


class Attention(nn.Module, Switchable):
    modes = {'attention': ('predicted', 'ground_truth'), 'chunks': ('one', 'rows')}


def test_a_mode_starts_at_its_first_value_and_switches_per_instance():
    a, b = Attention(), Attention()
    assert a.get_mode('attention') == 'predicted' and a.get_mode('chunks') == 'one'
    a.set_mode('attention', 'ground_truth')
    assert a.get_mode('attention') == 'ground_truth'
    assert b.get_mode('attention') == 'predicted'  # another instance is unaffected
    assert Switchable._mode_values == {}


def test_undeclared_modes_and_values_are_refused_with_the_declaration():
    module = Attention()
    with pytest.raises(ContractError, match=r'Attention has no mode "atention".*attention'):
        module.set_mode('atention', 'ground_truth')
    with pytest.raises(ContractError, match=r'"attention" cannot be \'gt\'.*ground_truth'):
        module.set_mode('attention', 'gt')
    with pytest.raises(ContractError, match='no mode "x"'):
        module.get_mode('x')
    assert module.get_mode('attention') == 'predicted'


def test_a_malformed_mode_declaration_fails_when_the_class_is_defined():
    with pytest.raises(TypeError, match=r'Bad.modes\["attention"\] must be a non-empty tuple'):
        class Bad(nn.Module, Switchable):  # noqa: F841
            modes = {'attention': 'predicted'}


def test_task_gated_default_stores_the_presence_and_recognises_older_plugins():
    lsu = LateralSharingUnit(['a', 'b'], channels={'a': 2, 'b': 2})
    assert isinstance(lsu, TaskGated) and lsu.task_presence is None
    presence = {'a': torch.tensor([True, False])}
    lsu.set_task_presence(presence)
    assert lsu.task_presence == presence and lsu.task_presence is not presence
    lsu.set_task_presence(None)
    assert lsu.task_presence is None

    class OlderGate(nn.Module):  # written before the contract: the method alone
        def set_task_presence(self, presence):
            self.seen = presence

    assert isinstance(OlderGate(), TaskGated)
    assert not isinstance(nn.Linear(1, 1), TaskGated)


def test_auxiliary_loss_names_from_the_method_or_the_older_attribute():
    class Declared(Interaction):
        def auxiliary_loss_names(self):
            return ('consistency',)

    class Older(Interaction):
        aux_loss_names = ('attention',)

    class OlderPlain(nn.Module):  # not even an Interaction
        aux_loss_names = ['pair']

    assert auxiliary_loss_names(Declared()) == ('consistency',)
    assert auxiliary_loss_names(Older()) == ('attention',)
    assert auxiliary_loss_names(OlderPlain()) == ('pair',)
    assert auxiliary_loss_names(nn.Linear(1, 1)) == ()
    assert isinstance(Declared(), AuxiliaryLosses) and Interaction().auxiliary_loss_names() == ()


def test_lr_multiplier_is_read_from_any_module():
    linear = nn.Linear(1, 1)
    assert lr_multiplier(linear) is None and lr_multiplier(Interaction()) is None
    linear.lr_mult = 10
    assert lr_multiplier(linear) == 10.0 and isinstance(lr_multiplier(linear), float)


def test_a_combiner_without_stage_weights_declines_naming_itself_and_the_key():
    combiner = MODELS.build(dict(type='UncertaintyWeighting', loss_names=['a.x']))
    assert combiner.stage_weights() == {}
    with pytest.raises(ContractError, match='UncertaintyWeighting does not take per-stage loss '
                                            'weights .*"loss_weights"'):
        combiner.set_stage_weights({'a.x': 0.0})
    assert isinstance(ContractError('x'), ValueError)
    assert Combiner.lr_mult is None


def test_fixed_weighting_stage_weights_replace_and_restore_the_configured_ones():
    combiner = MODELS.build(dict(type='FixedWeighting', loss_names=['a.x', 'b.y', 'c.z'],
                                 weights={'b.y': 0.5}))
    assert combiner.stage_weights() == {'a.x': 1.0, 'b.y': 0.5, 'c.z': 1.0}
    combiner.set_stage_weights({'a.x': 0.0})
    assert combiner.stage_weights() == {'a.x': 0.0, 'b.y': 0.5, 'c.z': 1.0}
    weighted, _ = combiner({'a.x': torch.tensor(3.0), 'b.y': torch.tensor(4.0)})
    assert weighted['a.x'].item() == 0 and weighted['b.y'].item() == 2
    combiner.set_stage_weights({'c.z': 2.0})  # a.x back to its configured weight
    assert combiner.stage_weights() == {'a.x': 1.0, 'b.y': 0.5, 'c.z': 2.0}
    with pytest.raises(KeyError, match=r"stage loss weights name losses that do not exist: "
                                       r"\['d.w'\]"):
        combiner.set_stage_weights({'d.w': 1.0})
    combiner.set_stage_weights({})
    assert combiner.stage_weights() == {'a.x': 1.0, 'b.y': 0.5, 'c.z': 1.0}


def test_the_model_offers_task_targets_and_the_modules_of_a_contract():
    decoder = dict(type='LightDecoder', channels=(4, 4))
    model = MODELS.build(dict(
        type='MultiTaskModel',
        tasks=dict(depth=dict(branch=decoder, head=DEPTH_HEAD),
                   seg=dict(branch=decoder, head=dict(type='SegHead', num_classes=3),
                            target='seg'),
                   bins=dict(branch=decoder, head=DEPTH_HEAD, target='depth',
                             auxiliary=True)),
        interactions=dict(
            lsu=dict(type='LateralSharingUnit', after_stage=1, tasks=('depth', 'seg')),
            cs=dict(type='CrossStitchUnit', after_stage=2, tasks=('depth', 'seg'))),
        losses={'depth.l1': dict(type='MaskedL1Loss'), 'seg.ce': dict(type='CrossEntropyLoss')}))
    assert isinstance(model, TaskModel)
    assert model.task_targets() == {'depth': 'depth', 'seg': 'seg', 'bins': 'depth'}
    assert model.required_targets() == {'depth.l1': 'depth', 'seg.ce': 'seg'}
    assert [name for name, _ in model.modules_implementing(TaskGated)] == ['interactions.lsu']
    assert [name for name, _ in model.modules_implementing(Combiner)] == ['combiner']


@pytest.mark.parametrize('hook_module', [training_stages, partial_supervision])
def test_hooks_do_not_probe_attributes(hook_module):
    """They reach components through the declared contracts only."""
    source = inspect.getsource(hook_module)
    assert 'hasattr(' not in source and 'getattr(' not in source
