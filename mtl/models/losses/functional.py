"""Functional pieces that several losses share: berHu's per-pixel form and label maps.

A loss module imports what it shares with another loss from here, never from the other
loss's file, so that each loss file stays one component.

* :func:`berhu`, :func:`berhu_threshold`: the reverse Huber of Laina et al. (3DV 2016,
  Eq. 1), B(x) = |x| for |x| <= c, (x² + c²) / (2c) otherwise, with c a fraction of the
  batch's largest absolute error over valid pixels (0.2 in FCRN), detached from the graph.
* :func:`label_map`, :func:`check_labels`: a classification target as an int64 label map,
  checked against the logits' class count (no paper: input checking).
"""
from typing import Optional

import torch


def berhu(error: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Element-wise berHu of ``error`` with threshold ``c`` (c = 0 gives |error|)."""
    absolute = error.abs()
    quadratic = (error ** 2 + c ** 2) / (2 * c.clamp(min=torch.finfo(error.dtype).tiny))
    return torch.where((absolute <= c) | (c <= 0), absolute, quadratic)


def berhu_threshold(error: torch.Tensor, valid_mask: Optional[torch.Tensor],
                    fraction: float) -> Optional[torch.Tensor]:
    """berHu's c: ``fraction`` × the largest |error| over valid pixels, without gradient;
    None when no pixel is valid. ``valid_mask`` is B×H×W (None: every pixel)."""
    absolute = error.detach().abs()
    if valid_mask is not None:
        absolute = absolute[valid_mask.unsqueeze(1).expand_as(absolute)]
    return fraction * absolute.max() if absolute.numel() else None


def label_map(pred: torch.Tensor, target: torch.Tensor, ignore_index: int) -> torch.Tensor:
    """The target as an int64 B×H×W label map, checked against the logits' class count."""
    target = target.long()
    if target.dim() == pred.dim():
        target = target.squeeze(1)
    check_labels(target, pred.shape[1], ignore_index)
    return target


def check_labels(target: torch.Tensor, num_classes: int, ignore_index: int) -> None:
    """Raise a clear error for labels outside ``[0, num_classes)`` that are not ignored."""
    bad = (target != ignore_index) & ((target < 0) | (target >= num_classes))
    if bad.any():
        raise ValueError(f'Label {int(target[bad][0])} is out of range for a head with '
                         f'{num_classes} classes (ignore index {ignore_index}). Check the '
                         f'dataset\'s num_classes and the head\'s num_classes.')
