"""Training stages switch declared modes of modules (``Switchable``, TrainingStagesHook key
``modes``): per stage, exactly after a resume, back to the default for validation and
after training, and a clear error before training for every kind of mistake (no paper:
framework plumbing; CI-Net's first stage is the use that asked for it)."""
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn

import stage_fixtures as sf
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.engine.training_stages import TrainingStagesHook
from mtl.models.base import Interaction, Switchable


class ToySwitch(Interaction, Switchable):
    """Adds a scaled copy of the other task's feature to each task's while ``sharing`` is
    'on'; passes the features through while it is 'off' (the default). Records the mode
    of every forward pass."""
    modes = {'sharing': ('off', 'on')}

    def __init__(self, tasks, channels):
        super().__init__()
        self.tasks = list(tasks)
        self.scale = nn.Parameter(torch.tensor(0.5))
        self.seen = []

    def forward(self, features):
        self.seen.append(self.get_mode('sharing'))
        if self.get_mode('sharing') == 'off':
            return features
        a, b = (features[t] for t in self.tasks)
        return {self.tasks[0]: a + self.scale * b, self.tasks[1]: b + self.scale * a}


MODEL = sf.model_cfg(dict(switch=dict(type=ToySwitch, after_stage=1, tasks=('depth', 'seg'))))
STAGES = [dict(name='shared', length=2, lr={'': 1e-2},
               modes={'interactions.switch': {'sharing': 'on'}}),
          dict(name='separate', length=2, lr={'': 1e-2})]


class ValidationProbe(Hook):
    """Before step 0 (after TrainingStagesHook) runs the stages hook's validation entry and
    records the mode there and around it."""
    priority = 'LOWEST'

    def __init__(self):
        self.records = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        switch = runner.model.interactions['switch']
        self.records.append(('train', runner.iter, switch.get_mode('sharing')))
        if runner.iter == 0:
            stages = next(h for h in runner.hooks if isinstance(h, TrainingStagesHook))
            stages.before_val_epoch(runner)
            self.records.append(('val', runner.iter, switch.get_mode('sharing')))
            stages.before_train_iter(runner, batch_idx, data_batch)


def run(work_dir, stages=STAGES, **kwargs):
    runner = Runner(**sf.runner_cfg(str(work_dir), sf.model_cfg(MODEL['interactions']),
                                    stages, **kwargs))
    runner.train()
    return runner


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('modes')
    probe = ValidationProbe()
    return run(work_dir, hooks=[probe]), probe.records, work_dir


def test_each_stage_sets_its_modes_and_training_ends_on_the_default(straight):
    runner, records, _ = straight
    switch = runner.model.interactions['switch']
    assert switch.seen == ['on', 'on', 'off', 'off']
    assert switch.get_mode('sharing') == 'off'  # after training: the default again
    assert records == [('train', 0, 'on'), ('val', 0, 'off'), ('train', 1, 'on'),
                       ('train', 2, 'off'), ('train', 3, 'off')]


def test_resume_in_the_middle_of_the_switched_stage_is_exact(straight, tmp_path):
    runner, _, work_dir = straight
    resumed = run(tmp_path, resume=True, load_from=str(work_dir / 'iter_1.pth'))
    assert resumed.model.interactions['switch'].seen == ['on', 'off', 'off']
    for (name, a), b in zip(runner.model.named_parameters(), resumed.model.parameters()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_the_mode_changes_what_is_trained(straight, tmp_path):
    """Control for the resume test: without the switch, training ends elsewhere."""
    unswitched = run(tmp_path, stages=[dict(STAGES[0], modes={}), STAGES[1]])
    assert unswitched.model.interactions['switch'].seen == ['off'] * 4
    pairs = zip(straight[0].model.parameters(), unswitched.model.parameters())
    assert any(not torch.allclose(a, b, atol=1e-4) for a, b in pairs)


@pytest.mark.parametrize('modes, message', [
    ({'interactions.swich': {'sharing': 'on'}},
     r'stages\[0\] "shared".modes\["interactions.swich"\]: the model has no module '
     r'"interactions.swich"'),
    ({'heads.depth': {'sharing': 'on'}}, r'DepthHead declares no modes .*Switchable'),
    ({'interactions.switch': {'shraing': 'on'}}, r'ToySwitch has no mode "shraing".*sharing'),
    ({'interactions.switch': {'sharing': 'yes'}}, r'"sharing" cannot be \'yes\'.*\'off\', \'on\''),
])
def test_mistakes_fail_before_the_first_step(tmp_path, modes, message):
    with pytest.raises(ValueError, match=message):
        run(tmp_path, stages=[dict(STAGES[0], modes=modes), STAGES[1]])


@pytest.mark.parametrize('modes', [['interactions.switch'], {'interactions.switch': 'on'},
                                   {'interactions.switch': {}}])
def test_a_malformed_modes_key_fails_when_the_hook_is_built(modes):
    with pytest.raises(ValueError, match=r'stages\[0\].modes'):
        TrainingStagesHook([dict(length=1, lr={'': 1.0}, modes=modes)])
