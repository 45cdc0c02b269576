"""A tiny Jiao et al. synergy network and an in-memory dataset for the jiao tests."""
import copy
from typing import Optional, Sequence

import pytest
import torch
from torch.utils.data import Dataset

from mtl.datasets.collate import mtl_collate

NUM_CLASSES = 3
SIZE = (32, 32)

DECODER = dict(type='SemiDenseUpSkipDecoder',
               decoder=dict(type='UpConvDecoder', channels=(16, 8, 8, 8, 8)),
               suc=dict(type='SemiDenseUpSkip', kernel_size=3))
MODEL = dict(
    type='MultiTaskModel',
    backbone=dict(type='TimmBackbone', model_name='test_resnet', pretrained=False,
                  out_indices=(4,)),
    tasks=dict(depth=dict(branch=DECODER, head=dict(type='DepthHead', min_depth=1e-3,
                                                        max_depth=10.0)),
               seg=dict(branch=DECODER, head=dict(type='SegHead', num_classes=NUM_CLASSES))),
    interactions={f'lsu{k}': dict(type='LateralSharingUnit', after_stage=k, tasks=('depth', 'seg'))
                  for k in (2, 3, 4)},
    losses={'depth.da': dict(type='DepthAwareLoss', max_depth=10.0),
            'depth.jg_gt': dict(type='JointGradientLoss', semantic_weight=0.0),
            'depth.jg_sem': dict(type='JointGradientLoss', gt_weight=0.0, extra=dict(seg='seg')),
            'seg.focal': dict(type='FocalLoss')},
    combiner=dict(type='FixedWeighting'))

# Jiao et al.'s three stages, two iterations each, lr x0.1 after the first.
STAGES = [
    dict(name='depth', length=2, step=1, frozen=('branches.seg', 'heads.seg', 'interactions'),
         lr={'': 1e-3}, loss_weights={'seg.focal': 0.0, 'depth.jg_sem': 0.0}),
    dict(name='semantics', length=2, step=1, frozen=('branches.depth', 'heads.depth'),
         lr={'backbone': 1e-5, '': 1e-3}),
    dict(name='joint', length=2, step=1, lr={'backbone': 1e-4, '': 1e-2}),
]


def model_cfg(init_cross: float = 0.0) -> dict:
    cfg = copy.deepcopy(MODEL)
    for unit in cfg['interactions'].values():
        unit['init_cross'] = init_cross
    return cfg


def make_sample(index: int, targets: Sequence[str] = ('depth', 'seg')) -> dict:
    g = torch.Generator().manual_seed(index)
    sample = {'img': torch.randint(0, 256, (3, *SIZE), generator=g, dtype=torch.uint8),
              'meta': {'sample_id': f'tiny{index}'}}
    if 'depth' in targets:
        sample['depth'] = 0.5 + 4 * torch.rand(1, *SIZE, generator=g)
    if 'seg' in targets:
        sample['seg'] = torch.randint(0, NUM_CLASSES, SIZE, generator=g)
    return sample


class TinyDataset(Dataset):
    """``length`` deterministic random samples with depth and/or seg."""

    def __init__(self, length: int = 8, targets: Sequence[str] = ('depth', 'seg')):
        self.samples = [make_sample(i, targets) for i in range(length)]
        self.metainfo = dict(targets=tuple(targets), num_classes=NUM_CLASSES)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.samples[index]


def runner_cfg(work_dir: str, stages=None, max_iters: int = 6, hooks: Optional[list] = None,
               resume: bool = False, load_from: Optional[str] = None) -> dict:
    """An mmengine runner config that trains the tiny model with TrainingStagesHook."""
    return dict(
        model=model_cfg(),
        work_dir=work_dir,
        default_scope='mtl',
        train_dataloader=dict(dataset=TinyDataset(), batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type=mtl_collate)),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(type='OptimWrapper', constructor='MTLOptimWrapperConstructor',
                           paramwise_cfg=dict(named_groups=True),
                           optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-8)),
        param_scheduler=[],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='TrainingStagesHook', by_epoch=False,
                           stages=copy.deepcopy(stages or STAGES))] + list(hooks or []),
        randomness=dict(seed=0),
        log_level='WARNING',
        resume=resume, load_from=load_from)


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: on a shared 2-core machine, two threads of tiny ops mostly wait
    for each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
