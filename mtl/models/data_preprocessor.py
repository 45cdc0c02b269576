"""Moves a collated batch to the model's device and normalises the image.

No paper: data plumbing, no equation applies.
"""
from typing import Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mtl.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class MultiTaskDataPreprocessor(BaseDataPreprocessor):
    """``{'img', targets..., 'meta'}`` -> ``{'inputs': float B×3×H×W, 'data_samples': dict}``.

    ``data_samples`` holds every target tensor of the batch (on the device) and the
    list of ``meta`` dicts. ``channels_last`` converts the image memory format, which
    speeds up convolutions on GPUs; ``non_blocking`` makes the copies to the GPU
    asynchronous (with pinned dataloader memory).
    """

    def __init__(self, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD,
                 channels_last: bool = False, non_blocking: bool = False):
        super().__init__(non_blocking)
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1), False)
        self.channels_last = channels_last

    def forward(self, data: dict, training: bool = False) -> dict:
        if 'img' not in data:
            raise KeyError(f'The batch has no "img" (keys: {sorted(data)}). Use collate_fn='
                           f'dict(type="mtl_collate") in the dataloader config.')
        data = self.cast_data(dict(data))
        img = data.pop('img')
        inputs = (img.float() - self.mean) / self.std
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        return {'inputs': inputs, 'data_samples': data}
