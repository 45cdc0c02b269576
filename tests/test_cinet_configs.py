"""The CI-Net configs: the NYU and SUN RGB-D models build with the paper's plan (parameter
counts), fail at data loading with a pointer to the docs when the data is absent, and train
through the three stages (ground-truth attention first), test and resume on tiny SUN RGB-D
fixtures; the Sec. 4.3 rows differ as the paper's rows do."""
import inspect
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.registry import DATASETS, MODELS
from nyud2_fixtures import make_nyu_root
from sunrgbd_fixtures import write_release

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
# (neck, interactions, weight of L_con, first stage) of each Sec. 4.3 row
ROWS = {
    '1_baseline': (None, [], 0.0, 'stage1'),
    '2_fsm': (None, ['FeatureSharingModule'] * 3, 0.0, 'stage1'),
    '3_sum': ('SceneUnderstandingModule', [], 0.0, 'ground_truth_attention'),
    '4_lsu': (None, ['LateralSharingUnit'] * 3, 0.0, 'stage1'),
    '5_full': ('SceneUnderstandingModule', ['FeatureSharingModule'] * 3, 5.0,
               'ground_truth_attention'),
}


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / name))


def stage_hook(cfg: Config) -> dict:
    return next(h for h in cfg.custom_hooks if h['type'] == 'TrainingStagesHook')


@pytest.mark.parametrize('name, classes, params, epochs', [
    ('cinet_nyud2_40c.py', 40, 71_447_723, (300, 200, 200)),
    ('cinet_sunrgbd.py', 37, 71_445_992, (60, 40, 40))])
def test_paper_configs_build_with_section_4_2(name, classes, params, epochs):
    cfg = load(name)
    cfg.model.backbone.pretrained = False
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) == params
    assert model.backbone.out_channels == [2048]
    assert model.branches['seg'].stage_channels == [512, 256, 128, 64]
    assert model.heads['seg'].last_conv.out_channels == classes
    assert model.interaction_at == {1: ['fsm1'], 2: ['fsm2'], 3: ['fsm3']}
    assert type(model.neck).__name__ == 'SceneUnderstandingModule'
    assert model.combiner.weights == {'depth.berhu': 1.0, 'depth.pair': 1.0, 'depth.normal': 5.0,
                                      'seg.ce': 0.3, 'seg.consistency': 5.0, 'neck.attention': 1.0}
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=6e-4, momentum=0.9, weight_decay=5e-4)
    stages = stage_hook(cfg)['stages']
    assert tuple(s['length'] for s in stages) == epochs
    assert sum(epochs) == cfg.train_cfg.max_epochs
    assert all(s['lr']['backbone'] == pytest.approx(s['lr'][''] / 10) for s in stages)
    assert stages[0]['modes'] == {'neck': {'attention': 'ground_truth'}}
    assert stages[0]['loss_weights'] == {'neck.attention': 0.0, 'seg.consistency': 0.0}
    assert stages[1]['loss_weights'] == {'seg.consistency': 0.0} and stages[2]['power'] == 0.9


@pytest.mark.parametrize('name', ['cinet_nyud2_40c.py', 'cinet_sunrgbd.py'])
def test_absent_data_fails_at_loading_with_a_pointer_to_the_docs(name, tmp_path):
    cfg = load(name)
    dataset = dict(cfg.train_dataloader.dataset, data_root=str(tmp_path / 'absent'))
    with pytest.raises(FileNotFoundError, match='docs/datasets.md'):
        DATASETS.build(dataset)


@pytest.mark.parametrize('dataset', ['nyud2', 'synthrooms'])
def test_ablation_rows_are_section_4_3(dataset):
    for row, (neck, interactions, consistency, first) in ROWS.items():
        cfg = load(f'cinet_ablation/{dataset}_{row}.py')
        assert (cfg.model.neck or {}).get('type') == neck, row
        assert [i['type'] for i in cfg.model.interactions.values()] == interactions, row
        assert cfg.model.combiner.weights['seg.consistency'] == consistency, row
        assert stage_hook(cfg)['stages'][0]['name'] == first, row
    lsu = load(f'cinet_ablation/{dataset}_4_lsu.py').model.interactions
    assert {k: v['after_stage'] for k, v in lsu.items()} == {'lsu1': 1, 'lsu2': 2, 'lsu3': 3}


class ModeProbe(Hook):
    """Records the SUM's attention mode and the loss weights before each step."""
    priority = 'LOWEST'

    def __init__(self):
        self.records = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        weights = model.combiner.weights
        self.records.append((model.neck.get_mode('attention'), weights['neck.attention'],
                             weights['seg.consistency']))


def tiny_cfg(name: str, root: Path, work_dir: Path, counted: dict) -> Config:
    """The config ``name`` shrunk to the tiny fixtures at ``root``: a tiny backbone and
    decoders, one epoch per stage, 32×48 images without augmentation."""
    cfg = load(name)
    cfg.model.backbone.update(model_name='test_resnet', pretrained=False)
    for task in ('depth', 'seg'):
        cfg.model.tasks[task].branch.channels = (8, 8, 8, 8)
    cfg.model.neck.chunk_size = 4  # row blocks with recomputation, as the paper configs run
    cfg.model.losses['depth.pair'].num_points = 20
    hook = stage_hook(cfg)
    for stage in hook['stages']:
        stage['length'] = 1
    cfg.custom_hooks = [dict(type='LabelCountsHook', cache_dir=str(work_dir / 'counts'),
                             dataset=dict(counted, data_root=str(root))), hook]
    cfg.train_cfg.update(max_epochs=3, val_interval=3)
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.sampler.shuffle = False
    cfg.train_dataloader.dataset.update(data_root=str(root),
                                        pipeline=[dict(type='Resize', size=(32, 48))])
    cfg.val_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.val_dataloader.dataset.update(data_root=str(root),
                                      pipeline=[dict(type='Resize', size=(32, 48), img_only=True)])
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator[0].pop('crop', None)  # NYU's Eigen crop is for 480×640 frames
    cfg.test_evaluator = cfg.val_evaluator
    cfg.default_hooks.checkpoint.update(interval=1, max_keep_ckpts=5)
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    return cfg


def make_runner(cfg: Config, **overrides) -> Runner:
    """A runner from the config's entries, without the config itself: mmengine formats a
    config (slowly) for every dump and checkpoint."""
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return Runner(**{**{k: v for k, v in cfg.items() if k in keys}, **overrides})


def test_sunrgbd_config_trains_tests_and_resumes_on_tiny_fixtures(tmp_path):
    root = write_release(tmp_path / 'sunrgbd')
    counted = dict(type='SUNRGBDDataset')
    probe = ModeProbe()
    cfg = tiny_cfg('cinet_sunrgbd.py', root, tmp_path / 'straight', counted)
    straight = make_runner(cfg, custom_hooks=[*cfg.custom_hooks, probe])
    straight.train()
    # stage 1: ground-truth attention, no L_att nor L_con; stage 2: L_att; stage 3: all
    assert probe.records == [('ground_truth', 0.0, 0.0), ('predicted', 1.0, 0.0),
                             ('predicted', 1.0, 5.0)]
    assert straight.model.neck.get_mode('attention') == 'predicted'
    assert straight.model.losses['seg__ce'].class_weight is not None  # Eq. 12's weights
    metrics = straight.test()
    assert 0 <= metrics['seg/miou'] <= 1 and metrics['depth/abs_rel'] > 0
    resumed = make_runner(tiny_cfg('cinet_sunrgbd.py', root, tmp_path / 'resumed', counted),
                          resume=True, load_from=str(tmp_path / 'straight' / 'epoch_2.pth'))
    resumed.train()
    final, again = dict(straight.model.named_parameters()), dict(resumed.model.named_parameters())
    assert all(torch.allclose(final[n], again[n], atol=1e-6) for n in final)


def test_nyud2_config_trains_and_tests_on_tiny_fixtures(tmp_path, shared_data):
    root = make_nyu_root(tmp_path / 'nyud2', shared_data)
    cfg = tiny_cfg('cinet_nyud2_40c.py', root, tmp_path / 'run',
                   dict(type='NYUDv2Dataset', num_classes=40))
    runner = make_runner(cfg)
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()}
    runner.train()
    after = dict(runner.model.named_parameters())
    for part in ('backbone', 'neck', 'branches.depth', 'branches.seg', 'interactions'):
        assert any(not torch.equal(before[n], after[n]) for n in before if n.startswith(part)), part
    assert runner.test()['depth/abs_rel'] > 0
