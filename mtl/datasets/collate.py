"""Batch collation for the sample contract of :mod:`mtl.structures`.

No paper: data plumbing, no equation applies.
"""
from typing import Sequence

import torch
from mmengine.registry import FUNCTIONS as ROOT_FUNCTIONS

from mtl.registry import FUNCTIONS
from mtl.structures import collate_targets, target_keys


@FUNCTIONS.register_module(name='mtl_collate')
def mtl_collate(samples: Sequence[dict]) -> dict:
    """Stack images and targets into a batch dict; ``meta`` stays a list of dicts.

    Images must share one size per batch (crop or resize in the pipeline). A target
    present in some samples only is filled with its invalid value in the others.
    """
    if not samples:
        raise ValueError('mtl_collate got an empty batch')
    sizes = {tuple(s['img'].shape) for s in samples}
    if len(sizes) > 1:
        raise ValueError(f'Images in one batch must share a size, got {sorted(sizes)}. Add a '
                         f'crop or Resize to the pipeline, or use batch_size=1.')
    batch = {'img': torch.stack([s['img'] for s in samples]),
             'meta': [s.get('meta', {}) for s in samples]}
    for key in target_keys(samples):
        shapes = {tuple(s[key].shape) for s in samples if key in s}
        if len(shapes) > 1:
            raise ValueError(f'Target "{key}" has different shapes in one batch: {sorted(shapes)}. '
                             f'Resize or crop it with the image in the pipeline.')
        batch[key] = collate_targets(samples, key)
    return batch




# mmengine's Runner looks collate functions up in the root registry without switching to
# the default scope, so ``dict(type='mtl_collate')`` must be found there too. The runner
# builds the dataset first, which imports this module through the dataset registry.
ROOT_FUNCTIONS.register_module(name='mtl_collate', module=mtl_collate)
