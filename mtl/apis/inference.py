"""Python inference API in the spirit of mmsegmentation's ``init_model`` /
``inference_model``.

No paper: plumbing. ``init_model`` builds the model from a config (by default the one
stored in the checkpoint, so the input size and test-time settings are those the model
was trained and tested with) and loads the weights through mtl's safe checkpoint loader
(``weights_only=True``). ``inference_model`` applies the same preprocessing as
``tools/test.py``: the test dataset's pipeline (and its ``img_size`` when the dataset is
rendered at a fixed size), the model's normalisation and, when ``model.test_cfg.flip``
is set, flip averaging; predictions come back at the original image size.
"""
from pathlib import Path
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from mtl.datasets.image_io import read_rgb
from mtl.engine.checkpoint import load_checkpoint
from mtl.engine.runner_utils import check_cfg_options
from mtl.engine.weights import load_weights
from mtl.registry import MODELS, TRANSFORMS
from mtl.utils.configs import find_config

ImageLike = Union[str, Path, np.ndarray]


def _load_config(config, checkpoint_meta: dict, cfg_options: Optional[dict]) -> Config:
    if config is None:
        if 'cfg' not in checkpoint_meta:
            raise ValueError('The checkpoint stores no config (meta["cfg"]); pass the config '
                             'file as well: init_model(CONFIG, CHECKPOINT).')
        cfg = Config.fromstring(checkpoint_meta['cfg'], file_format='.py')
    elif isinstance(config, Config):
        cfg = config.copy()
    else:
        cfg = Config.fromfile(find_config(str(config)))
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg


def init_model(config=None, checkpoint: Optional[str] = None, device: str = 'cpu',
               cfg_options: Optional[dict] = None, strict: bool = True) -> torch.nn.Module:
    """Build a model and load its weights.

    Args:
        config: config path or :class:`Config`; ``None`` uses the checkpoint's stored
            config (what ``tools/train.py`` wrote into every checkpoint).
        checkpoint: path (or URL) of the weights; ``None`` keeps the initial weights.
        device: e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options: overrides as ``--cfg-options`` takes them, e.g.
            ``{'model.test_cfg.flip': False}``.
        strict: refuse a checkpoint that does not fit the model (``False`` loads the
            matching weights and lists the rest, as ``--non-strict`` does).

    The model gets ``cfg`` (the config used) and ``dataset_meta`` (class names, palette,
    depth range as the training set's metainfo said, saved in the checkpoint; else the
    config's ``metainfo``; else empty).
    """
    if config is None and checkpoint is None:
        raise ValueError('init_model needs a config, a checkpoint, or both.')
    state = load_checkpoint(str(checkpoint), map_location='cpu') if checkpoint else {}
    meta = state.get('meta', {}) if isinstance(state, dict) else {}
    cfg = _load_config(config, meta, cfg_options)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mtl')):
        backbone = cfg.model.get('backbone') or {}
        if checkpoint and 'pretrained' in backbone:
            backbone['pretrained'] = False  # the checkpoint has the weights
        model = MODELS.build(cfg.model)
    if checkpoint:
        load_weights(model, state, str(checkpoint), strict=strict)
    model.cfg = cfg
    model.dataset_meta = dict(meta.get('dataset_meta') or cfg.get('metainfo') or {})
    return model.to(device).eval()


def read_image(image: ImageLike) -> np.ndarray:
    """An RGB uint8 H×W×3 array from a path (8/16-bit, grey, palette or colour images) or
    an array (H×W×3, or H×W grey)."""
    if isinstance(image, (str, Path)):
        return read_rgb(image)
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] != 3 or array.dtype != np.uint8:
        raise ValueError(f'An image array must be uint8 H×W×3 RGB, got shape {array.shape} '
                         f'and dtype {array.dtype}.')
    return array


def test_pipeline(cfg: Config) -> Compose:
    """The test dataset's transforms, preceded by a resize to its ``img_size`` if it has
    one (datasets rendered at a fixed size)."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    transforms = list(dataset.get('pipeline') or [])
    if dataset.get('img_size'):
        transforms.insert(0, dict(type='Resize', size=tuple(dataset['img_size']), img_only=True))
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mtl')):
        return Compose([TRANSFORMS.build(t) for t in transforms])


def _as_list(images) -> List[ImageLike]:
    if isinstance(images, np.ndarray) and images.ndim == 4:
        return list(images)
    if isinstance(images, (list, tuple)):
        return list(images)
    return [images]


def _to_numpy(prediction: torch.Tensor) -> np.ndarray:
    array = prediction.numpy()
    return array[0] if array.ndim == 3 and array.shape[0] == 1 else array


@torch.no_grad()
def inference_model(model: torch.nn.Module, images, pipeline: Optional[Compose] = None
                    ) -> Union[Dict[str, np.ndarray], List[Dict[str, np.ndarray]]]:
    """Predict every (non-auxiliary) task of ``model`` for one image or a batch.

    Args:
        model: from :func:`init_model`.
        images: a path, an RGB uint8 H×W×3 array, or a list of these / a B×H×W×3 array.
        pipeline: preprocessing; default :func:`test_pipeline` of ``model.cfg``.

    Returns:
        For one image a dict ``{task: array}`` at the image's size, as the heads'
        ``predict`` gives them: depth H×W in metres, class ids H×W, unit normals 3×H×W,
        contour probabilities H×W; for a batch a list of such dicts.
    """
    pipeline = pipeline or test_pipeline(model.cfg)
    device = next(model.parameters()).device
    results = []
    for image in _as_list(images):
        rgb = read_image(image)
        name = Path(image).stem if isinstance(image, (str, Path)) else 'array'
        sample = pipeline({'img': torch.from_numpy(rgb.copy()).permute(2, 0, 1),
                           'meta': {'sample_id': name, 'output_size': rgb.shape[:2]}})
        batch = model.data_preprocessor({'img': sample['img'][None].to(device),
                                         'meta': [sample['meta']]})
        output = model.predict(batch['inputs'], batch['data_samples'])[0]['pred']
        results.append({task: _to_numpy(value) for task, value in output.items()})
    return results if isinstance(images, (list, tuple)) or getattr(images, 'ndim', 0) == 4 \
        else results[0]
