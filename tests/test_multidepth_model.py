"""MultiDepth wiring: the auxiliary classification branch is skipped at inference or kept as a
second depth output; the configs compose the paper's recipe (Sec. 3) with one place for the
depth bounds."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mtl.evaluation.depth_metric import DepthMetric
from mtl.registry import MODELS

REPO = Path(__file__).resolve().parents[1]
TINY = dict(backbone=dict(type='TimmBackbone', model_name='resnet10t', out_indices=(4,),
                          output_stride=8),
            branch=dict(type='PyramidPoolingDecoder', channels=8))


def tiny_multidepth(auxiliary: bool, **combiner):
    return MODELS.build(dict(
        type='MultiTaskModel', backbone=TINY['backbone'],
        tasks=dict(depth=dict(branch=TINY['branch'],
                              head=dict(type='NormalizedLogDepthHead', d_min=2.0, d_max=125.0)),
                   depth_cls=dict(branch=TINY['branch'], auxiliary=auxiliary,
                                  head=dict(type='DepthIntervalHead', num_bins=8, d_min=2.0,
                                            d_max=125.0, spacing='normalized_log'))),
        losses={'depth.mse': dict(type='MaskedL2Loss'),
                'depth_cls.ce': dict(type='CrossEntropyLoss')},
        combiner=dict(type='UncertaintyWeighting', variant='kendall', init=1.0, **combiner)))


def count_calls(module):
    calls = []
    for stage in module.stages:
        stage.register_forward_hook(lambda *args: calls.append(1))
    return calls


def test_auxiliary_classification_branch_is_trained_but_skipped_at_inference():
    model = tiny_multidepth(auxiliary=True)
    calls = count_calls(model.branches['depth_cls'])
    batch = dict(depth_nlog=torch.rand(2, 1, 32, 48), depth_bins=torch.randint(0, 8, (2, 32, 48)))
    losses = model(torch.randn(2, 3, 32, 48), batch, mode='loss')
    assert {'loss_depth.mse', 'loss_depth_cls.ce', 'weight.depth_cls.ce'} <= set(losses)
    assert len(calls) == 2  # both stages ran for the loss
    model.eval()
    results = model(torch.randn(1, 3, 32, 48), dict(depth=torch.full((1, 1, 32, 48), 5.0)),
                    mode='predict')
    assert len(calls) == 2  # ... and not at all in predict mode
    assert set(results[0]['pred']) == {'depth'}
    assert results[0]['pred']['depth'].shape == (1, 32, 48)


def test_kept_classification_branch_is_a_second_depth_output_with_its_own_metric():
    model = tiny_multidepth(auxiliary=False).eval()
    gt = torch.full((2, 1, 32, 48), 5.0)
    results = model(torch.randn(2, 3, 32, 48), dict(depth=gt), mode='predict')
    assert set(results[0]['pred']) == {'depth', 'depth_cls'}
    centres = model.heads['depth_cls'].centers.flatten()
    assert all(float(v) in centres.tolist() for v in results[0]['pred']['depth_cls'].unique())
    metrics = {}
    for task, prefix in (('depth', 'depth'), ('depth_cls', 'depth_cls')):
        metric = DepthMetric(task=task, prefix=prefix, min_depth=1e-3, max_depth=80.0)
        metric.process({}, results)
        metrics.update(metric.evaluate(len(results)))
    assert {'depth/silog', 'depth/abs_rel', 'depth_cls/silog', 'depth_cls/abs_rel'} <= set(metrics)
    # the regression output starts at 10 m against a 5 m ground truth: abs rel ≈ 1
    assert metrics['depth/abs_rel'] == pytest.approx(1.0, abs=0.3)


def load(name: str) -> Config:
    return Config.fromfile(str(REPO / 'configs' / name))


def test_kitti_config_is_the_papers_recipe_with_one_place_for_the_bounds():
    cfg = load('multidepth_kitti.py')
    assert cfg.train_dataloader.batch_size == 32
    crop, flip, nlog, bins = cfg.train_dataloader.dataset.pipeline
    assert crop == dict(type='RandomCrop', size=(128, 128)) and flip.type == 'RandomHorizontalFlip'
    assert (nlog.type, nlog.d_min, nlog.d_max) == ('DepthToNormalizedLog', 2.0, 125.0)
    assert (bins.num_bins, bins.d_min, bins.d_max) == (32, 2.0, 125.0)
    assert bins.spacing == 'normalized_log'
    heads = {t: cfg.model.tasks[t].head for t in ('depth', 'depth_cls')}
    assert (heads['depth'].d_min, heads['depth'].d_max) == (2.0, 125.0)
    cls = heads['depth_cls']
    assert (cls.num_bins, cls.d_min, cls.d_max) == (32, 2.0, 125.0)
    assert cfg.model.tasks.depth_cls.auxiliary is True
    assert cfg.model.backbone.model_name == 'resnet101' and cfg.model.backbone.output_stride == 8
    assert cfg.model.combiner == dict(type='UncertaintyWeighting', variant='kendall', init=1.0)
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-4, betas=(0.9, 0.999),
                                               weight_decay=1e-4)
    assert cfg.param_scheduler == [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False,
                                        begin=0, end=500000)]
    assert cfg.train_cfg.max_iters == 500000
    big = load('multidepth_kitti_256.py')
    assert big.train_dataloader.dataset.pipeline[0].size == (256, 256)
    assert big.train_dataloader.dataset.pipeline[2:] == cfg.train_dataloader.dataset.pipeline[2:]
    assert big.train_dataloader.batch_size == 16


ROWS = ('regression_only', 'classification_only', 'equal', 'manual', 'learned')
TABLE_1 = {
    'kitti': {row: f'multidepth_ablation/{row}.py' for row in ROWS},
    'synthrooms': {**{row: f'multidepth_synthrooms_{row}.py' for row in ROWS},
                   'learned': 'multidepth_synthrooms.py'},
}


@pytest.mark.parametrize('dataset', sorted(TABLE_1))
def test_table_1_rows_are_configs(dataset):
    rows = {row: load(name) for row, name in TABLE_1[dataset].items()}
    assert list(rows['regression_only'].model.losses) == ['depth.mse']
    assert list(rows['classification_only'].model.losses) == ['depth_cls.ce']
    assert rows['classification_only'].model.tasks.depth_cls.auxiliary is False
    assert rows['equal'].model.combiner == dict(type='FixedWeighting')
    manual = rows['manual'].model.combiner
    assert manual.type == 'FixedWeighting' and set(manual.weights) == {'depth.mse', 'depth_cls.ce'}
    assert rows['learned'].model.combiner.type == 'UncertaintyWeighting'
    for row in ('equal', 'manual', 'learned'):
        cfg = rows[row]
        assert cfg.model.tasks.depth_cls.auxiliary is False
        assert [e.get('task', 'depth') for e in cfg.val_evaluator] == ['depth', 'depth_cls']
    pipeline = rows['regression_only'].train_dataloader.dataset.pipeline
    assert 'DepthToIntervals' not in [t.type for t in pipeline]


def optimizer_lrs(model) -> dict:
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mtl'):
        wrapper = build_optim_wrapper(model, dict(
            type='OptimWrapper', constructor='MTLOptimWrapperConstructor',
            optimizer=dict(type='Adam', lr=1e-3)))
    return {id(p): g['lr'] for g in wrapper.optimizer.param_groups for p in g['params']}


def test_learned_weights_can_get_a_higher_learning_rate():
    assert set(optimizer_lrs(tiny_multidepth(auxiliary=True)).values()) == {1e-3}
    model = tiny_multidepth(auxiliary=True, lr_mult=30.0)
    lrs = optimizer_lrs(model)
    assert [lrs[id(p)] for p in model.combiner.parameters()] == [pytest.approx(3e-2)] * 2
    assert lrs[id(model.heads['depth'].last_conv.weight)] == 1e-3
