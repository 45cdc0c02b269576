"""The PAD-Net configs (Xu et al., CVPR 2018): the flagships follow §3–§4.1, the ladder rows
differ as Table 1's rows do, a gradient reaches the front end through every path, missing
data stops with a pointer to the docs, and the NYUD-v2 and Cityscapes configs train and test
(Cityscapes also resumes) on tiny files in the downloaded formats."""
import inspect
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from cityscapes_fixtures import write_cityscapes
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from nyud2_fixtures import make_nyu_root
from mtl.engine.checkpoint import safe_torch_load
from mtl.engine.training_stages import matches
from mtl.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
INTERMEDIATE = dict(depth='depth@1', seg='seg@1', normals='normals', contours='contours')
SIX_LOSSES = ['depth.l2', 'seg.ce', 'depth@1.l2', 'seg@1.ce', 'normals.l2', 'contours.bce']
# (final tasks, distillation module or None, losses) of Table 1's rows
ROWS = {
    '1_fe_de': (['depth'], None, ['depth.l2']),
    '2_fe_de_sp': (['depth', 'seg'], None, ['depth.l2', 'seg.ce']),
    '3_a_de': (['depth'], 'PADDistillationA', ['depth.l2', 'depth@1.l2', 'seg.ce', 'normals.l2',
                                               'contours.bce']),
    '4_b_de': (['depth'], 'PADDistillationB', ['depth.l2', 'depth@1.l2', 'seg.ce', 'normals.l2',
                                               'contours.bce']),
    '5_c_de': (['depth'], 'PADDistillationC', ['depth.l2', 'depth@1.l2', 'seg.ce', 'normals.l2',
                                               'contours.bce']),
    '6_c_de_sp': (['depth', 'seg'], 'PADDistillationC', SIX_LOSSES),
}


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / name))


def tiny(cfg: Config, width: int = 8) -> Config:
    """The same model with a tiny front end and decoders (for CPU tests)."""
    cfg.model.backbone.update(model_name='test_resnet', pretrained=False)
    cfg.model.neck.channels = 4
    for spec in cfg.model.tasks.values():
        spec.branch.channels = (width, width // 2, width // 2)[:len(spec.branch.channels)]
    return cfg


@pytest.mark.parametrize('name,classes', [('padnet_nyud2.py', 40), ('padnet_cityscapes.py', 19)])
def test_flagships_follow_sections_3_and_4(name, classes):
    cfg = load(name)
    cfg.model.backbone.pretrained = False
    model = MODELS.build(cfg.model)
    assert model.backbone.reductions == [4, 8, 8, 8]  # ResNet-50, output stride 8
    assert model.neck.out_channels[-1] == 2048 + 3 * 256
    for task in ('depth', 'seg'):
        assert model.branches[task].stage_channels == [512, 256, 128]
        assert model.task_cfg[task]['deep_supervision'] == (1,)
    for task in ('normals', 'contours'):
        assert model.branches[task].stage_channels == [256] and model.task_cfg[task]['auxiliary']
    distill = model.interactions['distill']
    assert type(distill).__name__ == 'PADDistillationC' and distill.tasks == ['depth', 'seg']
    assert cfg.model.interactions.distill.inputs == INTERMEDIATE
    assert distill.encoders['seg'][0].in_channels == classes
    assert list(model.loss_specs) == SIX_LOSSES
    assert model.combiner.weights == {**{n: 1.0 for n in SIX_LOSSES},
                                      'normals.l2': 0.8, 'contours.bce': 0.8}
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=1e-3, momentum=0.99,
                                               weight_decay=5e-4)
    stages = next(h for h in cfg.custom_hooks if h['type'] == 'TrainingStagesHook')['stages']
    assert [s['lr'] for s in stages] == [{'': 1e-3}, {'': 1e-5}]
    assert sum(s['length'] for s in stages) == cfg.train_cfg.max_epochs
    assert list(model.predict_plan.outputs) == ['depth', 'seg']


@pytest.mark.parametrize('row', list(ROWS))
def test_ladder_rows_are_table_1(row):
    cfg = load(f'padnet_ablation/synthrooms_{row}.py')
    finals, module, losses = ROWS[row]
    model = MODELS.build(cfg.model)
    assert [t for t in model.task_cfg if not model.task_cfg[t]['auxiliary']] == finals
    assert [type(m).__name__ for m in model.interactions.values()] == ([module] if module else [])
    assert list(model.loss_specs) == losses
    assert {e['type'] for e in cfg.test_evaluator} == (
        {'DepthMetric', 'SegMetric'} if 'seg' in finals else {'DepthMetric'})
    model.eval()
    with torch.no_grad():
        pred = model.predict(torch.rand(1, 3, 32, 40), {})[0]['pred']
    assert sorted(pred) == finals


def test_a_gradient_reaches_the_front_end_through_every_path():
    """The final depth loss alone trains every intermediate branch (through the prediction
    the distillation reads) and the front end; each intermediate loss alone trains its own
    branch and the front end."""
    model = MODELS.build(tiny(load('padnet_ablation/synthrooms_6_c_de_sp.py')).model)
    x = torch.rand(2, 3, 32, 40)
    targets = dict(depth=torch.rand(2, 1, 32, 40) + 1, seg=torch.randint(0, 13, (2, 32, 40)),
                   normals=torch.nn.functional.normalize(torch.randn(2, 3, 32, 40), dim=1),
                   contours=torch.randint(0, 2, (2, 1, 32, 40), dtype=torch.uint8))
    reaches = {}
    for loss in SIX_LOSSES:
        model.zero_grad()
        model(x, targets, mode='loss')[f'loss_{loss}'].backward()
        reaches[loss] = {name.split('.')[0] + ('.' + name.split('.')[1]
                                               if name.startswith('branches') else '')
                         for name, p in model.named_parameters()
                         if p.grad is not None and p.grad.abs().sum() > 0}
    for task in ('depth', 'seg', 'normals', 'contours'):
        assert f'branches.{task}' in reaches['depth.l2'], task
        assert f'branches.{task}' in reaches['seg.ce'], task
    for loss in SIX_LOSSES:
        assert {'backbone', 'neck'} <= reaches[loss], loss
    assert reaches['normals.l2'] & {'branches.depth', 'branches.seg', 'interactions'} == set()


def runner_for(cfg: Config, work_dir: Path) -> Runner:
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return Runner(**{k: v for k, v in cfg.items() if k in keys})  # no config dump: faster


@pytest.mark.parametrize('name', ['padnet_nyud2.py', 'padnet_cityscapes.py'])
def test_missing_data_stops_at_loading_with_a_pointer_to_the_docs(tmp_path, name):
    cfg = tiny(load(name))
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'absent')
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    with pytest.raises(FileNotFoundError, match='docs/datasets.md'):
        runner_for(cfg, tmp_path / 'work').train()


def cityscapes_cfg(root: Path) -> Config:
    cfg = tiny(load('padnet_cityscapes.py'))
    cfg.train_dataloader.dataset.pipeline[0]['crop_size'] = (16, 16)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root)
    stages = cfg.custom_hooks[1]['stages']
    stages[0]['length'], stages[1]['length'] = 1, 1
    cfg.train_cfg.update(max_epochs=2, val_interval=2)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=True, interval=1)
    return cfg


def test_cityscapes_config_trains_tests_and_resumes_on_tiny_files(tmp_path):
    write_cityscapes(tmp_path / 'data', 'train')
    write_cityscapes(tmp_path / 'data', 'val', cities=('lindau',), frames_per_city=2, seed=7)
    runner = runner_for(cityscapes_cfg(tmp_path / 'data'), tmp_path / 'work')
    initial = {n: p.detach().clone() for n, p in runner.model.named_parameters()}
    runner.train()
    phase_1 = safe_torch_load(str(tmp_path / 'work' / 'epoch_1.pth'))['state_dict']
    for name, value in initial.items():  # phase 1: the front end and seg@1 path train alone
        moved = not torch.equal(phase_1[name], value)
        on_path = name.startswith(('backbone', 'neck', 'branches.seg.stages.0', 'heads.seg@1'))
        assert moved == on_path, name
    final = {n: p.detach().clone() for n, p in runner.model.named_parameters()}
    assert not torch.equal(final['branches.depth.stages.1.0.weight'],
                           phase_1['branches.depth.stages.1.0.weight'])  # phase 2 trains all

    cfg = cityscapes_cfg(tmp_path / 'data')
    cfg.update(resume=True, load_from=str(tmp_path / 'work' / 'epoch_1.pth'))
    resumed = runner_for(cfg, tmp_path / 'resumed')
    resumed.train()  # only epoch 2, in phase 2
    assert resumed.epoch == 2 and (tmp_path / 'resumed' / 'epoch_2.pth').is_file()
    metrics = resumed.test()
    assert 0 <= metrics['cityscapes/miou'] <= 1 and 0 <= metrics['cityscapes/iiou'] <= 1
    assert metrics['depth/abs_rel'] >= 0 and 0 <= metrics['seg/miou'] <= 1


@pytest.mark.parametrize('row,sources', [('inp0', None), ('inp2', ['depth', 'seg']),
                                         ('inp3', ['depth', 'seg', 'normals']),
                                         ('mds', ['depth', 'seg', 'normals', 'contours'])])
def test_table_6_rows(row, sources):
    cfg = tiny(load(f'padnet_ablation/nyud2_t6_{row}.py'))
    model = MODELS.build(cfg.model)
    assert list(model.loss_specs) == SIX_LOSSES  # every row keeps the deep supervision
    assert (model.interactions['distill'].sources if sources else list(model.interactions)) == (
        sources or [])
    stages = next(h for h in cfg.custom_hooks if h['type'] == 'TrainingStagesHook')['stages']
    names = [n for n, _ in model.named_parameters()]
    for prefix in (*stages[0]['frozen'], *stages[0]['loss_weights']):
        assert any(matches(n, prefix) for n in names) or prefix in model.loss_specs, prefix
    assert set(stages[1].get('loss_weights', {})) == (
        {'depth@1.l2', 'seg@1.ce', 'normals.l2', 'contours.bce'} if row == 'mds' else set())


@pytest.mark.parametrize('name', ['padnet_synthrooms.py', 'padnet_nyud2.py',
                                  'padnet_cityscapes.py'])
def test_phase_1_names_exist_in_the_model(name):
    cfg = tiny(load(name))
    model = MODELS.build(cfg.model)
    stages = next(h for h in cfg.custom_hooks if h['type'] == 'TrainingStagesHook')['stages']
    names = [n for n, _ in model.named_parameters()]
    assert [s['name'] for s in stages] == ['front_end', 'joint']
    assert all(any(matches(n, p) for n in names) for p in stages[0]['frozen'])
    assert set(stages[0]['loss_weights']) == set(model.loss_specs) - {'seg@1.ce'}
    trained = [n for n in names if not any(matches(n, p) for p in stages[0]['frozen'])]
    assert {n.split('.')[0] for n in trained} == {'backbone', 'neck', 'branches', 'heads'}
    path = [n for n in trained if n.startswith(('branches', 'heads'))]
    assert all(n.startswith(('branches.seg.stages.0.', 'heads.seg@1.')) for n in path), path
    assert any(n.startswith('heads.seg@1.') for n in path)


def test_nyud2_config_trains_and_tests_on_tiny_files(tmp_path, shared_data):
    root = make_nyu_root(tmp_path / 'nyud2', shared_data)
    cfg = tiny(load('padnet_nyud2.py'))
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline] == ['Crop', 'RandomScaleCrop', 'RandomHorizontalFlip',
                                             'DepthToNormals', 'SegToContours']
    pipeline[0]['box'], pipeline[1]['crop_size'] = (0, 0, 12, 16), (8, 16)  # 12x16 frames
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root)
    stages = cfg.custom_hooks[1]['stages']
    stages[0]['length'], stages[1]['length'] = 1, 1
    cfg.train_cfg.update(max_epochs=2, val_interval=2)
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator[0]['depth_caps'] = ()  # the fixture's test frames lie beyond 4 m
    runner = runner_for(cfg, tmp_path / 'work')
    runner.train()
    metrics = runner.test()
    assert metrics['depth/abs_rel'] >= 0 and 0 <= metrics['seg/miou'] <= 1
