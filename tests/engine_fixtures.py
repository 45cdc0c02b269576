"""A toy regressor and dataset for engine tests: milliseconds per iteration.

The engine pieces under test (strict loading, atomic saves, ``last_checkpoint``,
non-finite losses, start-up checks) do not depend on the model, so a two-layer
convolution stands in for a multi-task network.
"""
import signal
from contextlib import contextmanager
from typing import Sequence

import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import Dataset

import mtl.datasets.collate  # noqa: F401  (registers mtl_collate)


TOY_MODEL = 'engine_fixtures.ToyRegressor'  # configs name classes by dotted path


class ToyRegressor(BaseModel):
    """Predicts a 1-channel map; the loss is NaN on batches holding a ``poison`` sample."""

    def __init__(self, out_channels: int = 1, poison: Sequence[str] = ()):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.head = nn.Conv2d(4, out_channels, 1)
        self.poison = set(poison)

    def forward(self, img, meta=None, mode='tensor', **targets):
        out = self.head(torch.relu(self.stem(img.float() / 255)))
        if mode != 'loss':
            return out
        mse = ((out[:, :1] - targets['target']) ** 2).mean()
        if self.poison & {m['sample_id'] for m in meta}:
            mse = mse * float('nan')
        return {'loss_mse': mse, 'mse': mse.detach()}


class ToyDataset(Dataset):
    def __init__(self, length: int = 8):
        self.length = length

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        g = torch.Generator().manual_seed(index)
        return {'img': torch.randint(0, 256, (3, 4, 4), generator=g, dtype=torch.uint8),
                'target': torch.rand(1, 4, 4, generator=g),
                'meta': {'sample_id': f'toy{index}'}}


def toy_cfg(work_dir, max_iters: int = 4, length: int = 8, **overrides) -> Config:
    """An MTLRunner config: batches of two in order (iteration k holds toy{2k-2}, toy{2k-1})."""
    cfg = dict(
        model=dict(type=TOY_MODEL), work_dir=str(work_dir), default_scope='mtl',
        train_dataloader=dict(dataset=dict(type='engine_fixtures.ToyDataset', length=length),
                              batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='mtl_collate')),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=dict(type='MTLCheckpointHook', interval=1, by_epoch=False,
                                           max_keep_ckpts=1),
                           logger=dict(type='LoggerHook', interval=1)),
        log_level='WARNING', randomness=dict(seed=0))
    cfg.update(overrides)
    return Config(cfg)


@contextmanager
def no_hang(seconds: int = 60):
    """Turns a hang into a test failure."""
    def fail(*_):
        raise TimeoutError(f'hung for {seconds} s')
    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
