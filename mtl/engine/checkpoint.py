"""Safe checkpoint loading under ``torch.load(weights_only=True)`` (torch >= 2.6).

mmengine's checkpoints hold, besides tensors, a ``message_hub`` with ``HistoryBuffer``
objects, numpy arrays, scalars and dtypes. Instead of turning ``weights_only`` off (which
would execute arbitrary pickles), we allow-list exactly those classes and load every
local checkpoint with ``weights_only=True``. A checkpoint holding anything else is refused
with a message naming the offending object; it is never executed.

Importing this module replaces mmengine's loader for local paths (``prefixes=''``).
"""
import os.path as osp
import pickle
from typing import List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_globals() -> List[object]:
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith('DType')]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, *dtype_classes]


def history_buffer_statistic(owner, name: str):
    """Stands in for ``getattr`` while unpickling: a HistoryBuffer pickles its statistics
    methods as ``getattr(HistoryBuffer, 'mean')``; nothing else may be looked up."""
    public_method = not name.startswith('_') and callable(getattr(HistoryBuffer, name, None))
    if owner is HistoryBuffer and public_method:
        return getattr(owner, name)
    raise pickle.UnpicklingError(f'getattr({owner!r}, {name!r}) is not allowed in a checkpoint')


SAFE_GLOBALS = [HistoryBuffer, *_numpy_globals(), (history_buffer_statistic, 'builtins.getattr')]


def safe_torch_load(filename: str, map_location=None):
    """``torch.load`` with ``weights_only=True`` and our allow-list."""
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'Refusing to load "{filename}": it holds Python objects that mtl does not '
            f'allow-list, and unpickling them could run arbitrary code. Only checkpoints '
            f'written by mtl/mmengine (tensors, numpy values, mmengine HistoryBuffer) are '
            f'loaded. If you trust the file, re-save just its state_dict: '
            f'torch.save({{"state_dict": ckpt["state_dict"]}}, path). Details: {error}') from None


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None):
    """mmengine's local-file loader, made safe."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint "{filename}" does not exist.')
    return safe_torch_load(filename, map_location)
