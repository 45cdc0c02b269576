"""Spatial attention maps of a network's layers, as Jiao et al. (ECCV 2018, Sec. 3.4 and
Fig. 5; supplement Eq. 1) visualise theirs, after Zagoruyko & Komodakis (ICLR 2017):

    A(T) = Σ_{c=1..C} |T_c|      for an activation tensor T ∈ R^{C×H×W}

Each map is min-max normalised per image, up-sampled to the image size and drawn as a
heat map (red = high) over the input image.
"""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Sequence

import numpy as np
import torch
from matplotlib import colormaps
from torch import nn
from torch.nn import functional as F


def attention_map(features: torch.Tensor) -> torch.Tensor:
    """A(T) of supplement Eq. 1: (B, C, H, W) -> (B, H, W)."""
    if features.dim() != 4:
        raise ValueError(f'attention_map needs a B×C×H×W activation, got shape '
                         f'{tuple(features.shape)}')
    return features.abs().sum(1)


def normalise(maps: torch.Tensor) -> torch.Tensor:
    """Min-max normalisation of each map of a (B, H, W) batch to [0, 1] (a constant map is 0)."""
    flat = maps.flatten(1)
    low, high = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return ((flat - low) / (high - low).clamp(min=1e-12)).view_as(maps)


def overlay(image: np.ndarray, attention: np.ndarray, alpha: float = 0.5,
            cmap: str = 'jet') -> np.ndarray:
    """Blend a heat map of ``attention`` (H×W in [0, 1]) over ``image`` (H×W×3 uint8)."""
    if image.shape[:2] != attention.shape:
        raise ValueError(f'image {image.shape[:2]} and attention {attention.shape} sizes differ')
    heat = colormaps[cmap](np.clip(attention, 0, 1))[..., :3] * 255
    return ((1 - alpha) * image.astype(np.float32) + alpha * heat).round().astype(np.uint8)


def last_tensor(output) -> torch.Tensor:
    """A module's output, or the last tensor of a list / tuple output (e.g. a backbone's
    feature pyramid, whose last level is the bottleneck)."""
    while isinstance(output, (list, tuple)):
        output = output[-1]
    if not isinstance(output, torch.Tensor):
        raise TypeError(f'Cannot take an attention map of a {type(output).__name__} output')
    return output


@contextmanager
def record_outputs(model: nn.Module, layers: Sequence[str]) -> Iterator[Dict[str, torch.Tensor]]:
    """Within the block, ``{layer: output}`` of the named sub-modules' last forward call."""
    modules = dict(model.named_modules())
    missing = [name for name in layers if name not in modules]
    if missing:
        examples = [n for n in modules if n.count('.') <= 3][:12]
        raise KeyError(f'No module named {missing} in the model; names look like {examples}')
    outputs: Dict[str, torch.Tensor] = {}

    def hook(name):
        return lambda module, args, output: outputs.__setitem__(name, last_tensor(output).detach())

    handles = [modules[name].register_forward_hook(hook(name)) for name in layers]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


def attention_overlays(images: torch.Tensor, activations: Dict[str, torch.Tensor],
                       alpha: float = 0.5) -> List[np.ndarray]:
    """One strip per image: the image, then one overlay per layer (in dict order).

    ``images`` is the uint8 batch (B, 3, H, W); ``activations`` maps layer names to
    (B, C, h, w) tensors.
    """
    size = tuple(images.shape[-2:])
    pictures = images.permute(0, 2, 3, 1).cpu().numpy()
    maps = [F.interpolate(normalise(attention_map(a.float()))[:, None], size=size, mode='bilinear',
                          align_corners=False)[:, 0].clamp(0, 1).cpu().numpy()
            for a in activations.values()]
    return [np.concatenate([picture] + [overlay(picture, m[i], alpha) for m in maps], axis=1)
            for i, picture in enumerate(pictures)]
