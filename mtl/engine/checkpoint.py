"""One safe checkpoint loader for every path and URL (torch >= 2.6, ``weights_only=True``).

Every checkpoint mtl reads goes through :func:`load_checkpoint`: ``load_from``, ``--resume``,
``tools/test.py``/``tools/infer.py``, backbone weights (``checkpoint=``) and the Python API.
Importing this module registers it with mmengine's ``CheckpointLoader`` for every scheme
mmengine knows (local paths, ``http(s)://``, ``torchvision://``, ``open-mmlab://``, …), so no
path reaches torch.hub's loader, which unpickles with ``weights_only=False``.

- Local files are loaded with ``torch.load(weights_only=True)`` and the allow-list below.
- URLs are downloaded into our cache (``mtl.engine.checkpoint_cache``), checked against a
  SHA-256 when one is known, loaded the same way, and deleted again when refused.
- Model-zoo names (``torchvision://resnet50``, ``open-mmlab://…``, ``mmcls://…``) are
  resolved to their URLs with mmengine's tables and then downloaded as above.
- ``.safetensors`` files are read with safetensors, which holds no code.

The allow-list is what mmengine's checkpoints hold besides tensors: its ``message_hub`` keeps
``HistoryBuffer`` objects (numpy arrays and dtypes inside, and the four statistics methods
``min``/``max``/``current``/``mean``, which pickle as ``getattr(HistoryBuffer, name)``), and
``meta`` holds numpy scalars and dtypes. ``getattr`` is replaced by a stand-in that returns
only those four methods. Torch's own weights-only list (tensors, storages, torch dtypes,
``torch.Size``, ``OrderedDict``, and the plain containers ``set``, ``Counter``, ``complex``,
``bytearray``) stays as torch defines it: those build data, never call code, and refusing
them would mean re-implementing torch's unpickler (``test_checkpoint_security.py`` pins it).
"""
import io
import os.path as osp
import pickle
import re
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mtl.engine.checkpoint_cache import check_sha256, fetch_verified, split_url

HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
URL_PREFIXES = ('http://', 'https://')
SAFE_HINT = ('mtl loads only tensors, numpy values and mmengine HistoryBuffers (README, '
             '"Checkpoints are loaded safely"). If you wrote this file yourself, re-save only '
             'its tensors (its state_dict) where it was written.')


# torch's wordings for a refused global, and our getattr stand-in's
FORBIDDEN_OBJECT = re.compile(r'(?:Unsupported global: GLOBAL|unsupported GLOBAL|Unsupported class)'
                              r' (\S+)|(getattr\(.*\)) is not allowed in a checkpoint')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """The checkpoint holds a Python object outside the allow-list; nothing was executed."""


class CorruptCheckpointError(ValueError):
    """The file is empty, truncated, zero-filled or not a checkpoint at all."""


def _numpy_globals() -> List[object]:
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith('DType')]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, *dtype_classes]


def history_buffer_statistic(owner, name: str):
    """Stands in for ``getattr`` while unpickling: a HistoryBuffer pickles its statistics
    methods as ``getattr(HistoryBuffer, 'mean')``; nothing else may be looked up."""
    if owner is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(owner, name)
    raise pickle.UnpicklingError(f'getattr({owner!r}, {name!r}) is not allowed in a checkpoint')


SAFE_GLOBALS = [HistoryBuffer, *_numpy_globals(), (history_buffer_statistic, 'builtins.getattr')]


def describe_damage(filename: str) -> str:
    """Why a file that torch could not read is no checkpoint, from its first bytes."""
    if not osp.isfile(filename):
        return 'the data could not be read as a checkpoint'
    with open(filename, 'rb') as f:
        head = f.read(4096)
    if not head:
        return 'the file is empty (0 bytes): its save or download was interrupted'
    if not head.strip(b'\0'):
        return 'the file is zero-filled: its save was interrupted before the data was written'
    if head.startswith(b'PK'):
        return ('the archive is truncated or damaged: the file is half-written (a save or '
                'download was interrupted) or was altered')
    return (f'it is not a PyTorch checkpoint (it starts with {head[:16]!r}, not a torch.save '
            f'archive)')


def safe_torch_load(filename: Union[str, io.BytesIO], map_location=None, source: str = None):
    """``torch.load`` with ``weights_only=True`` and our allow-list; one-line errors."""
    source = source or str(filename)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        forbidden = FORBIDDEN_OBJECT.search(str(error))
        if forbidden:
            name = forbidden.group(1) or forbidden.group(2)
            raise UnsafeCheckpointError(
                f'Refusing to load "{source}": it holds a Python object that mtl does not '
                f'allow-list ({name}); unpickling it could run arbitrary code, so nothing was '
                f'loaded. {SAFE_HINT}') from None
        cause = describe_damage(filename) if isinstance(filename, str) else 'not a checkpoint'
        raise CorruptCheckpointError(f'Cannot load checkpoint "{source}": {cause}.') from None
    except (EOFError, RuntimeError, KeyError, ValueError, IndexError, TypeError) as error:
        cause = describe_damage(filename) if isinstance(filename, str) else repr(error)
        raise CorruptCheckpointError(f'Cannot load checkpoint "{source}": {cause}.') from None


def load_file(filename: str, map_location=None, source: Optional[str] = None) -> Dict:
    """A local ``.safetensors`` or ``torch.save`` file, loaded safely."""
    if filename.endswith('.safetensors'):
        from safetensors import SafetensorError
        from safetensors.torch import load_file as load_safetensors
        try:
            return load_safetensors(filename, device=str(map_location or 'cpu'))
        except (SafetensorError, OSError) as error:
            raise CorruptCheckpointError(
                f'Cannot load checkpoint "{source or filename}": {error}.') from None
    return safe_torch_load(filename, map_location, source)


def _zoo_url(name: str) -> Optional[str]:
    """The URL (or mmengine-home path) behind a model-zoo name, as mmengine resolves it."""
    from mmengine.runner import checkpoint as mm
    zoo = {'torchvision://': mm.get_torchvision_models, 'modelzoo://': mm.get_torchvision_models,
           'open-mmlab://': mm.get_external_models, 'openmmlab://': mm.get_external_models,
           'mmcls://': mm.get_mmcls_models}
    for prefix, table in zoo.items():
        if name.startswith(prefix):
            key = name[len(prefix):]
            key = mm.get_deprecated_model_names().get(key, key) if 'mmlab' in prefix else key
            urls = table()
            if key not in urls:
                raise KeyError(f'Unknown model-zoo name "{name}": mmengine lists no "{key}".')
            url = urls[key]
            return url if url.startswith(URL_PREFIXES) else osp.join(mm._get_mmengine_home(), url)
    return None


def checkpoint_file(path_or_url: str, sha256: Optional[str] = None) -> str:
    """A local file for ``path_or_url`` that the safe loader accepts: the path itself, or
    the cached download of a URL or model-zoo name (for readers such as timm that want a
    file)."""
    return _resolve(path_or_url, 'cpu', sha256)[0]


def load_checkpoint(path_or_url: str, map_location=None, sha256: Optional[str] = None) -> Dict:
    """Load a checkpoint from a local path, an ``http(s)://`` URL (cached, optionally
    verified: ``sha256=`` or a ``#sha256=<hex>`` fragment or torch.hub's ``name-<hex>.pth``)
    or a model-zoo name, with ``weights_only=True`` and the allow-list."""
    return _resolve(path_or_url, map_location, sha256)[1]


def _resolve(path_or_url: str, map_location, sha256: Optional[str]):
    path_or_url = str(path_or_url)
    if re.match(r'(\S+:)?(s3|petrel)://|pavi://', path_or_url):
        raise ValueError(f'Checkpoint "{path_or_url}": remote stores (s3, petrel, pavi) are not '
                         f'read by mtl; download the file and pass its local path.')
    zoo_url = _zoo_url(path_or_url)
    if zoo_url is not None:
        path_or_url = zoo_url
    if path_or_url.startswith(URL_PREFIXES):
        return fetch_verified(path_or_url, lambda f: load_file(f, map_location, path_or_url),
                              sha256)
    filename = osp.expanduser(path_or_url)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint "{path_or_url}" does not exist.')
    if sha256 is not None:
        check_sha256(filename, split_url('', sha256)[1], filename)
    return filename, load_file(filename, map_location)


def load_from_mtl(filename: str, map_location=None) -> Dict:
    """mmengine's ``CheckpointLoader`` entry for every scheme: our :func:`load_checkpoint`."""
    return load_checkpoint(filename, map_location)


def register_for_every_scheme(loader: Callable = load_from_mtl) -> None:
    """Make ``loader`` mmengine's loader for every registered prefix (local included)."""
    for prefix in list(CheckpointLoader._schemes) + ['']:
        CheckpointLoader.register_scheme(prefixes=prefix, loader=loader, force=True)


register_for_every_scheme()
