"""The hooks touch components only through the contracts of ``mtl/models/base.py``: a
combiner and an interaction that implement only the contracts (registered here like a
third-party plugin, subclassing no concrete class of ours) go through staged training
with loss weights and partial supervision in mmengine's runner; a plugin written
against the interface before the contracts still does (no paper: framework plumbing)."""
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn

import stage_fixtures as sf
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.models.base import Combiner, Interaction, TaskGated
from mtl.registry import MODELS

# The presence PartialSupervisionHook must hand over at each step (see sf.MIXED_TARGETS).
PRESENCE = [dict(depth=[True, False], seg=[False, True]),
            dict(depth=[True, True], seg=[True, True]),
            dict(depth=[False, False], seg=[True, True]),
            dict(depth=[True, True], seg=[False, True])]


def exchange(module, features):
    """Each task receives ``mix`` × the other's feature, detached for the samples that lack
    the other task's target (``module.task_presence``); plus an auxiliary loss."""
    a, b = (features[t] for t in module.tasks)
    module.presence_seen.append(module.task_presence)
    presence = module.task_presence or {}

    def gate(task, x):
        keep = presence.get(task)
        if keep is None:
            return x
        keep = keep.to(x.dtype).view(-1, 1, 1, 1)
        return keep * x + (1 - keep) * x.detach()

    mixed = {module.tasks[0]: a + module.mix * gate(module.tasks[1], b),
             module.tasks[1]: b + module.mix * gate(module.tasks[0], a)}
    return mixed, {'agreement': (a - b).pow(2).mean()}


@MODELS.register_module(name='ContractOnlyExchange', force=True)
class ContractOnlyExchange(Interaction, TaskGated):
    """Implements the contracts only: auxiliary_loss_names(), TaskGated, lr_mult."""

    def __init__(self, tasks, channels, lr_mult=None):
        super().__init__()
        self.tasks, self.lr_mult = list(tasks), lr_mult
        self.mix = nn.Parameter(torch.tensor(0.5))
        self.presence_seen = []

    def auxiliary_loss_names(self):
        return ('agreement',)

    def forward(self, features):
        return exchange(self, features)


@MODELS.register_module(name='ContractOnlyCombiner', force=True)
class ContractOnlyCombiner(Combiner):
    """Implements set_stage_weights() / stage_weights() (weight 1 unless a stage says
    otherwise) and has an unrelated method that happens to be called ``weights``."""

    def __init__(self, loss_names):
        super().__init__()
        self.names, self.overrides, self.history = list(loss_names), {}, []

    def set_stage_weights(self, weights):
        unknown = sorted(set(weights) - set(self.names))
        if unknown:
            raise KeyError(f'ContractOnlyCombiner weighs no {unknown}')
        self.overrides = dict(weights)

    def stage_weights(self):
        return {name: self.overrides.get(name, 1.0) for name in self.names}

    def weights(self, scale=1.0):
        return [scale * w for w in self.stage_weights().values()]

    def forward(self, losses):
        current = self.stage_weights()
        self.history.append(current)
        return {name: current[name] * value for name, value in losses.items()}, {}


@MODELS.register_module(name='OlderExchange', force=True)
class OlderExchange(Interaction):
    """Written against the interface before the contracts: an ``aux_loss_names``
    attribute, a ``set_task_presence`` method of its own, ``(features, losses)`` returned."""
    aux_loss_names = ('agreement',)

    def __init__(self, tasks, channels):
        super().__init__()
        self.tasks = list(tasks)
        self.mix = nn.Parameter(torch.tensor(0.5))
        self.task_presence, self.presence_seen = None, []

    def set_task_presence(self, presence):
        self.task_presence = presence

    def forward(self, features):
        return exchange(self, features)


class Probe(Hook):
    """Records the learning rate of the exchange's parameter before each step."""
    priority = 'LOWEST'

    def __init__(self):
        self.lrs = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        groups = runner.optim_wrapper.optimizer.param_groups
        self.lrs.append(next(g['lr'] for g in groups if g['param_name'] == 'interactions.x.mix'))


def stages(first_weights):
    return [dict(name='first', length=2, lr={'': 1e-2}, frozen=('branches.seg', 'heads.seg'),
                 loss_weights=first_weights),
            dict(name='second', length=2, lr={'': 1e-2})]


def run(work_dir, interaction, combiner=None, first_weights=None):
    probe = Probe()
    model = sf.model_cfg(dict(x=dict(interaction, after_stage=1, tasks=('depth', 'seg'))), combiner)
    hooks = [dict(type='TargetCheckHook'), dict(type='PartialSupervisionHook'), probe]
    runner = Runner(**sf.runner_cfg(str(work_dir), model, stages(first_weights), hooks=hooks,
                                    dataset=sf.MixedDataset()))
    runner.train()
    return runner, probe.lrs


def presence_lists(seen):
    return [{t: v.tolist() for t, v in p.items()} for p in seen]


@pytest.fixture(scope='module')
def contract_only(tmp_path_factory):
    return run(tmp_path_factory.mktemp('contract_only'),
               dict(type='ContractOnlyExchange', lr_mult=10.0),
               dict(type='ContractOnlyCombiner'), {'x.agreement': 0.0, 'depth.l1': 0.5})


def test_contract_only_combiner_gets_the_stage_weights(contract_only):
    runner, _ = contract_only
    combiner = runner.model.combiner
    assert combiner.names == ['depth.l1', 'seg.ce', 'x.agreement']
    first = {'depth.l1': 0.5, 'seg.ce': 1.0, 'x.agreement': 0.0}
    every = {'depth.l1': 1.0, 'seg.ce': 1.0, 'x.agreement': 1.0}
    assert combiner.history == [first, first, every, every]


def test_a_combiner_method_named_weights_does_not_break_staged_training(contract_only):
    """The hook used to read ``combiner.weights`` as a dict: this method made it fail."""
    runner, _ = contract_only
    assert runner.iter == 4
    assert runner.model.combiner.weights(2.0) == [2.0, 2.0, 2.0]


def test_contract_only_interaction_gets_presence_lr_mult_and_its_loss(contract_only):
    runner, lrs = contract_only
    exchange_unit = runner.model.interactions['x']
    assert presence_lists(exchange_unit.presence_seen) == PRESENCE
    assert exchange_unit.task_presence is None  # cleared after the last step
    assert lrs == pytest.approx([0.1] * 4)  # stage lr 1e-2 × lr_mult 10
    assert runner.model.interaction_loss_names() == ['x.agreement']
    assert exchange_unit.mix.item() != 0.5  # trained


def test_a_plugin_written_before_the_contracts_still_trains_in_stages(tmp_path):
    runner, lrs = run(tmp_path, dict(type='OlderExchange'), None, {'x.agreement': 0.0})
    unit = runner.model.interactions['x']
    assert presence_lists(unit.presence_seen) == PRESENCE
    assert unit.task_presence is None
    assert runner.model.interaction_loss_names() == ['x.agreement']
    assert runner.model.combiner.stage_weights()['x.agreement'] == 1.0  # the last stage's
    assert lrs == pytest.approx([1e-2] * 4)


@pytest.mark.parametrize('combiner, weights, message', [
    (dict(type='UncertaintyWeighting'), {'seg.ce': 0.0},
     r'stages\[0\] "first".loss_weights: UncertaintyWeighting does not take per-stage '
     r'loss weights'),
    (dict(type='ContractOnlyCombiner'), {'seg.focal': 0.0},
     r'stages\[0\] "first".loss_weights: ContractOnlyCombiner weighs no \[\'seg.focal\'\]'),
])
def test_stage_weights_a_combiner_cannot_honour_fail_before_training(tmp_path, combiner, weights,
                                                                      message):
    with pytest.raises(ValueError, match=message):
        run(tmp_path, dict(type='ContractOnlyExchange'), combiner, weights)
