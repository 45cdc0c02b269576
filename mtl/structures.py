"""The sample contract shared by datasets, transforms, the model and the metrics.

A sample is a plain dict. Images and dense targets are torch tensors, channels first:

==========  ===============  ===========================================================
key         dtype / shape    meaning and invalid value
==========  ===============  ===========================================================
img         uint8 3×H×W      RGB
depth       float32 1×H×W    metric z-depth in metres; 0 = invalid
seg         int64 H×W        semantic class index; 255 = ignore
normals     float32 3×H×W    unit surface normals in camera coordinates (x right,
                             y down, z forward); the zero vector = invalid
contours    uint8 1×H×W      1 on a semantic or depth boundary, 0 elsewhere; 255 = ignore
depth_bins  int64 H×W        depth-interval class index; 255 = ignore
depth_nlog  float32 1×H×W    normalised log depth (MultiDepth Eq. 2) in [0, 1]; NaN = invalid
meta        dict             ``sample_id``, ``intrinsics`` (3×3 float64 numpy array),
                             ``ori_shape`` (H, W), and whatever a dataset adds
==========  ===============  ===========================================================

A dataset that lacks a task leaves its key out. A batch mixing samples with and
without a target fills the missing ones with the invalid value, so that losses and
metrics see those pixels as unlabelled (partial supervision).

Derived float targets that may legitimately be 0 (e.g. normalised log depth) use NaN
as their invalid value: their kind is ``'scalar'``.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import torch

IGNORE_INDEX = 255


@dataclass(frozen=True)
class TargetSpec:
    """How a target key is validated, filled when missing, and compared.

    ``kind`` is one of ``'depth'`` (valid where finite and > 0), ``'scalar'`` (valid
    where finite), ``'labels'`` (valid where != 255) and ``'vector'`` (valid where the
    vector is non-zero and finite).
    """
    kind: str
    dtype: torch.dtype
    channels: int  # 0 for an H×W label map

    @property
    def fill_value(self) -> float:
        return {'depth': 0.0, 'scalar': float('nan'), 'labels': IGNORE_INDEX,
                'vector': 0.0}[self.kind]


TARGET_SPECS: Dict[str, TargetSpec] = {
    'depth': TargetSpec('depth', torch.float32, 1),
    'seg': TargetSpec('labels', torch.int64, 0),
    'normals': TargetSpec('vector', torch.float32, 3),
    'contours': TargetSpec('labels', torch.uint8, 1),
    'depth_bins': TargetSpec('labels', torch.int64, 0),
    'depth_nlog': TargetSpec('scalar', torch.float32, 1),
}


def register_target(key: str, kind: str, dtype: torch.dtype, channels: int) -> None:
    """Declare a new target key (e.g. from a transform in a plugin package)."""
    if key in TARGET_SPECS and TARGET_SPECS[key] != TargetSpec(kind, dtype, channels):
        raise ValueError(f'Target "{key}" is already declared as {TARGET_SPECS[key]}.')
    TARGET_SPECS[key] = TargetSpec(kind, dtype, channels)


def target_spec(key: str) -> TargetSpec:
    try:
        return TARGET_SPECS[key]
    except KeyError:
        raise KeyError(f'Unknown target "{key}". Known targets: {sorted(TARGET_SPECS)}; '
                       f'declare a new one with mtl.structures.register_target().') from None


def valid_mask(key: str, target: torch.Tensor) -> torch.Tensor:
    """Boolean mask of labelled pixels, shaped like ``target`` without its channel axis.

    Accepts a single target (C×H×W / H×W) or a batch (B×C×H×W / B×H×W).
    """
    spec = target_spec(key)
    if spec.kind == 'labels':
        mask = target != IGNORE_INDEX
        return mask.squeeze(-3) if spec.channels else mask
    if spec.kind == 'vector':
        return torch.isfinite(target).all(-3) & (target.abs().sum(-3) > 0)
    finite = torch.isfinite(target)
    mask = finite & (target > 0) if spec.kind == 'depth' else finite
    return mask.squeeze(-3)


def collate_targets(samples: Sequence[dict], key: str) -> torch.Tensor:
    """Stack one target over a batch, filling samples that lack it with the invalid value."""
    present = [s[key] for s in samples if key in s]
    reference = present[0]
    spec = TARGET_SPECS.get(key)
    fill = spec.fill_value if spec else 0
    return torch.stack([s[key] if key in s else torch.full_like(reference, fill)
                        for s in samples])


def target_keys(samples: Sequence[dict]) -> List[str]:
    """The target keys present in at least one sample, in a stable order."""
    keys = {k for s in samples for k in s if k not in ('img', 'meta')}
    return sorted(keys)


# Dataset values that components restate (a head's class count, a metric's depth range):
# each component reports them with ``dataset_values()`` under these keys, and
# ``DatasetMetaCheckHook`` compares them with ``metainfo_values(dataset.metainfo)``.
DATASET_VALUE_KEYS = ('num_classes', 'min_depth', 'max_depth', 'ignore_index')


def metainfo_values(metainfo: Optional[dict]) -> Dict[str, object]:
    """The :data:`DATASET_VALUE_KEYS` a dataset's ``metainfo`` states (see
    ``mtl.datasets.metainfo``): ``num_classes`` (or the count of ``classes``), the two
    ends of ``depth_range`` and ``ignore_index``; keys it does not state are left out."""
    metainfo = metainfo or {}
    values: Dict[str, object] = {}
    if 'num_classes' in metainfo or 'classes' in metainfo:
        values['num_classes'] = int(metainfo.get('num_classes', len(metainfo.get('classes', ()))))
    if metainfo.get('depth_range') is not None:
        values['min_depth'], values['max_depth'] = (float(v) for v in metainfo['depth_range'])
    if 'ignore_index' in metainfo:
        values['ignore_index'] = int(metainfo['ignore_index'])
    return values
