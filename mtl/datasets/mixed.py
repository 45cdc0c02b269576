"""Samples of several datasets in one training set, each supervising the tasks it has: e.g.
Jiao et al.'s weakly supervised outdoor setting (ECCV 2018, supplement §8), where depth-only
KITTI frames and labels-only Cityscapes frames are trained together. No equation applies.

``mtl_collate`` fills the targets a sample lacks with their invalid values, so its losses
ignore it, and ``PartialSupervisionHook`` keeps it from training the other task's branch.
The metainfo is the union of the parts': ``targets`` is the union; a value that describes
one target (class names, palette and class count describe ``seg``; the depth range describes
``depth``) comes from the parts that have that target and must agree among them; every
other shared value (e.g. ``ignore_index``) must agree among all parts.
"""
import bisect
from typing import Callable, Dict, List, Sequence, Union

from torch.utils.data import Dataset

from mtl.registry import DATASETS

DESCRIBES = {'classes': 'seg', 'palette': 'seg', 'num_classes': 'seg', 'depth_range': 'depth'}


def union_metainfo(metas: Sequence[dict]) -> dict:
    """The union of the parts' metainfo (see the module docstring)."""
    merged: Dict[str, object] = {'targets': tuple(dict.fromkeys(
        t for meta in metas for t in meta.get('targets', ())))}
    names = [meta.get('dataset_name', f'part {i}') for i, meta in enumerate(metas)]
    merged['dataset_name'] = '+'.join(str(n) for n in names)
    keys = dict.fromkeys(k for meta in metas for k in meta if k not in merged)
    for key in keys:
        owners = [(name, meta) for name, meta in zip(names, metas) if key in meta and (
            key not in DESCRIBES or DESCRIBES[key] in meta.get('targets', ()))]
        values = {repr(meta[key]): (name, meta[key]) for name, meta in owners}
        if len(values) > 1:
            raise ValueError(f'MixedDataset: the parts disagree on "{key}": '
                             + '; '.join(f'{n}: {v!r}' for n, v in values.values()))
        if owners:
            merged[key] = owners[0][1][key]
    return merged


@DATASETS.register_module()
class MixedDataset(Dataset):
    """The samples of ``datasets`` (configs or datasets) one after the other.

    Use a sampler that shuffles (``DefaultSampler(shuffle=True)``) so that batches mix the
    parts, and a pipeline in each part that brings its images to one size.
    """

    def __init__(self, datasets: Sequence[Union[dict, Callable]]):
        if not datasets:
            raise ValueError('MixedDataset needs at least one dataset')
        self.datasets: List[Dataset] = [DATASETS.build(d) if isinstance(d, dict) else d
                                        for d in datasets]
        self.ends: List[int] = []
        for part in self.datasets:
            self.ends.append((self.ends[-1] if self.ends else 0) + len(part))
        self.metainfo = union_metainfo([getattr(d, 'metainfo', {}) for d in self.datasets])

    def __len__(self) -> int:
        return self.ends[-1]

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise IndexError(f'index {index} out of range for {len(self)} samples')
        index %= len(self)
        part = bisect.bisect_right(self.ends, index)
        return self.datasets[part][index - (self.ends[part - 1] if part else 0)]
