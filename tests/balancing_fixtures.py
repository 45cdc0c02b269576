"""A tiny two-task model with a shared backbone, its batches, and a runner config, for the
loss-balancing tests (no paper: test plumbing)."""
import copy

import torch
from torch.nn.modules.batchnorm import _BatchNorm

import jiao_fixtures as jf
from mtl.registry import MODELS

DECODER = dict(type='LightDecoder', channels=(8, 8))
DEPTH_HEAD = dict(type='DepthHead', min_depth=1e-3, max_depth=10.0)
MODEL = dict(
    type='MultiTaskModel',
    backbone=dict(type='TimmBackbone', model_name='test_resnet', pretrained=False, out_indices=(4,)),
    tasks=dict(depth=dict(branch=DECODER, head=DEPTH_HEAD),
               seg=dict(branch=DECODER, head=dict(type='SegHead', num_classes=jf.NUM_CLASSES))),
    losses={'depth.l1': dict(type='MaskedL1Loss'), 'seg.ce': dict(type='CrossEntropyLoss')})
LOSSES = ('depth.l1', 'seg.ce')


def model_cfg(combiner: dict) -> dict:
    return dict(copy.deepcopy(MODEL), combiner=dict(combiner))


def build_model(combiner: dict, seed: int = 0):
    """The model in training mode with its BatchNorms frozen (running statistics), so that
    a batch split over processes gives the same per-sample outputs as the whole batch."""
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg(combiner))
    model.train()
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.eval()
    return model


def batch(indices):
    """Preprocessed inputs and targets of ``jf.make_sample(i)`` for ``i in indices``."""
    samples = [jf.make_sample(i) for i in indices]
    inputs = torch.stack([s['img'] for s in samples]).float() / 255
    targets = {'depth': torch.stack([s['depth'] for s in samples]),
               'seg': torch.stack([s['seg'] for s in samples])}
    return inputs, targets


def total_loss(model, indices) -> torch.Tensor:
    """What mmengine's ``parse_losses`` sums: every ``loss_*`` term."""
    inputs, targets = batch(indices)
    result = model(inputs, targets, mode='loss')
    return sum(v for k, v in result.items() if k.startswith('loss_'))


def shared_gradient(model) -> torch.Tensor:
    return torch.cat([p.grad.reshape(-1) for p in model.shared_parameters()])


def runner_cfg(work_dir: str, combiner: dict, max_iters: int = 2, **kwargs) -> dict:
    cfg = jf.runner_cfg(work_dir, max_iters=max_iters, **kwargs)
    cfg['model'] = model_cfg(combiner)
    cfg['custom_hooks'] = []
    return cfg
