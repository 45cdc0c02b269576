"""Read one prediction/target pair out of a predict-mode sample.

The model's predict mode yields, per sample, ``{'pred': {task: tensor}, 'gt': {key: tensor},
'meta': {...}}``. Every metric reads its pair through :func:`fetch_pair`, so that the two
contract rules live in one place: a sample without the target is skipped (partial
supervision), a sample without the prediction is a configuration error.
"""
from typing import Mapping, Optional, Tuple

import torch


def fetch_pair(sample: Mapping, task: str, gt_key: str,
               owner: str) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
    """Return ``(pred, gt)`` as detached CPU tensors, or ``None`` when the sample lacks ``gt_key``.

    Raises ``ValueError`` naming ``owner`` (the metric) and the available keys when the
    prediction is missing.
    """
    preds = sample.get('pred')
    if not isinstance(preds, Mapping) or task not in preds:
        available = sorted(preds) if isinstance(preds, Mapping) else 'no "pred" dict'
        raise ValueError(f'{owner}: the model output has no prediction "{task}" (available: '
                       f'{available}). Set `task=` to the name of the predicted task.')
    gts = sample.get('gt') or {}
    if gt_key not in gts:
        return None
    pred = torch.as_tensor(preds[task]).detach().cpu()
    gt = torch.as_tensor(gts[gt_key]).detach().cpu()
    return pred, gt


def check_same_size(pred: torch.Tensor, gt: torch.Tensor, owner: str) -> None:
    """Raise when the prediction was not resized to the target's resolution."""
    if pred.shape[-2:] != gt.shape[-2:]:
        raise ValueError(f'{owner}: prediction is {tuple(pred.shape)} but the target is '
                         f'{tuple(gt.shape)}; predict mode must resize the prediction to '
                         f'the target resolution.')
