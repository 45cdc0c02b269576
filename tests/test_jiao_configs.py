"""The Jiao et al. configs: the flagship builds with supplement Table 3's channel plan, the
Table 1 ladder rows differ as the paper's rows do, and the SynthRooms variant trains
through its three stages."""
import inspect
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
LADDER = ('1_depth', '2_suc', '3_suc_da', '4_sem', '5_sem_cs', '6_sem_lsu', '7_full')
# (tasks, depth decoder, interactions, losses) of Table 1's rows
ROWS = {
    '1_depth': (['depth'], 'UpConvDecoder', [], ['depth.berhu']),
    '2_suc': (['depth'], 'SemiDenseUpSkipDecoder', [], ['depth.berhu']),
    '3_suc_da': (['depth'], 'SemiDenseUpSkipDecoder', [], ['depth.da']),
    '4_sem': (['depth', 'seg'], 'SemiDenseUpSkipDecoder', [], ['depth.da', 'seg.ce']),
    '5_sem_cs': (['depth', 'seg'], 'SemiDenseUpSkipDecoder', ['CrossStitchUnit'] * 3,
                 ['depth.da', 'seg.ce']),
    '6_sem_lsu': (['depth', 'seg'], 'SemiDenseUpSkipDecoder', ['LateralSharingUnit'] * 3,
                  ['depth.da', 'seg.ce']),
    '7_full': (['depth', 'seg'], 'SemiDenseUpSkipDecoder', ['LateralSharingUnit'] * 3,
               ['depth.da', 'depth.jg_gt', 'depth.jg_sem', 'seg.focal']),
}


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / name))


def test_flagship_follows_table_3():
    cfg = load('jiao_nyud2_40c.py')
    cfg.model.backbone.pretrained = False
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) == 105_853_365
    assert model.backbone.out_channels == [2048]
    for task, classes in (('depth', 1), ('seg', 40)):
        branch = model.branches[task]
        assert branch.in_channels == 2048
        assert branch.stage_channels == [1024, 512, 256, 128, 64, 64]  # conv2, 4 up-convs, SUC
        ups = branch.decoder.stages[1:]
        assert [(u.projection[0].in_channels, u.projection[0].out_channels) for u in ups] == [
            (1024, 512), (512, 256), (256, 128), (128, 64)]
        assert model.heads[task].last_conv.in_channels == 64
        assert model.heads[task].last_conv.out_channels == classes
    assert model.interaction_at == {2: ['lsu2'], 3: ['lsu3'], 4: ['lsu4']}
    assert all(u.weight.numel() == 4 for u in model.interactions.values())
    assert cfg.train_dataloader.batch_size == 12
    assert cfg.val_evaluator[0]['depth_caps'] == (4, 6, 8)
    stages = next(h for h in cfg.custom_hooks if h['type'] == 'TrainingStagesHook')['stages']
    assert [s['lr'] for s in stages] == [{'': 1e-3}, {'backbone': 1e-5, '': 1e-3},
                                         {'backbone': 1e-4, '': 1e-2}]
    assert sum(s['length'] for s in stages) == cfg.train_cfg.max_epochs
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                               weight_decay=0.0)


def test_four_class_flagship():
    cfg = load('jiao_nyud2_4c.py')
    assert cfg.model.tasks.seg.head.num_classes == 4
    assert cfg.model.losses['depth.da']['max_depth'] == 10.0


@pytest.mark.parametrize('dataset', ['nyud2_4c', 'synthrooms'])
def test_ladder_rows_are_table_1(dataset):
    for row in LADDER:
        cfg = load(f'jiao_ablation/{dataset}_{row}.py')
        tasks, decoder, interactions, losses = ROWS[row]
        assert list(cfg.model.tasks) == tasks, row
        assert cfg.model.tasks.depth.branch.type == decoder, row
        assert [i['type'] for i in cfg.model.interactions.values()] == interactions, row
        assert list(cfg.model.losses) == losses, row
        assert {e['type'] for e in cfg.test_evaluator} == (
            {'DepthMetric', 'SegMetric'} if 'seg' in tasks else {'DepthMetric'}), row
        if dataset == 'synthrooms':
            model = MODELS.build(cfg.model)
            assert len(model.interactions) == len(interactions)


def test_synthrooms_variant_trains_all_three_stages(tmp_path):
    cfg = load('jiao_synthrooms.py')
    cfg.model.backbone.model_name = 'test_resnet'
    hook = next(h for h in cfg.custom_hooks if h['type'] == 'TrainingStagesHook')
    for stage in hook['stages']:
        stage['length'] = 1
    cfg.train_cfg.max_iters = 3
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(num_samples=4, img_size=(64, 64))
    cfg.work_dir, cfg.log_level = str(tmp_path), 'WARNING'
    cfg.default_hooks.checkpoint.interval = 3
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    runner = Runner(**{k: v for k, v in cfg.items() if k in keys})  # no config dump: faster
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()}
    runner.train()
    after = dict(runner.model.named_parameters())
    for part in ('backbone', 'branches.depth', 'branches.seg', 'interactions'):
        assert any(not torch.equal(before[n], after[n]) for n in before if n.startswith(part)), part
    assert (tmp_path / 'iter_3.pth').is_file()
