"""The 19 Cityscapes evaluation classes, from the official label table
(``cityscapesscripts.helpers.labels``): label ids (as in ``*_gtFine_labelIds.png``) map to
train ids 0..18; every other id (``ignoreInEval``, train id 255 or −1) maps to 255.
"""
from typing import Tuple

import numpy as np
from cityscapesscripts.helpers.labels import labels as _LABELS

from mtl.structures import IGNORE_INDEX

_TRAIN = sorted((l for l in _LABELS if 0 <= l.trainId < IGNORE_INDEX), key=lambda l: l.trainId)
CLASSES: Tuple[str, ...] = tuple(l.name for l in _TRAIN)
PALETTE: Tuple[Tuple[int, int, int], ...] = tuple(tuple(l.color) for l in _TRAIN)

_TO_TRAIN = np.full(256, IGNORE_INDEX, dtype=np.uint8)
for _label in _TRAIN:
    _TO_TRAIN[_label.id] = _label.trainId
_TO_LABEL = np.array([l.id for l in _TRAIN], dtype=np.uint8)


def label_to_train_id(label_ids: np.ndarray) -> np.ndarray:
    """Label ids (uint8 H×W) to train ids 0..18, 255 elsewhere."""
    return _TO_TRAIN[label_ids]


def train_to_label_id(train_ids: np.ndarray) -> np.ndarray:
    """Train ids 0..18 (H×W) back to label ids, as the official evaluation reads them."""
    train_ids = np.asarray(train_ids)
    if train_ids.size and (train_ids.min() < 0 or train_ids.max() >= len(_TRAIN)):
        raise ValueError(f'train ids must lie in [0, {len(_TRAIN)}), got '
                         f'[{train_ids.min()}, {train_ids.max()}]')
    return _TO_LABEL[train_ids]
