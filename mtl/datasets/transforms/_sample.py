"""Sample plumbing shared by the transforms: validation, target iteration, resampling.

Pixel convention (used by the intrinsics as well): pixel centres sit at integer
coordinates and (0, 0) is the centre of the top-left pixel, so a horizontal flip maps
``cx`` to ``W − 1 − cx``. Resampling keeps pixel areas aligned (``align_corners=False``):
a resize by a factor ``a`` maps ``u`` to ``a·(u + 0.5) − 0.5``.

Transforms never modify their input in place: they return a shallow copy of the sample
with new tensors, and a new ``meta`` dict when the intrinsics change, so a dataset that
caches its samples is not corrupted.
"""
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from mtl.structures import TARGET_SPECS, TargetSpec

Size = Tuple[int, int]

#: Target keys whose values encode metric depth non-linearly (the outputs of the
#: depth-derived transforms). A transform that rescales depth cannot update them.
DEPTH_ENCODINGS = {'depth_bins'}


def image_size(sample: dict, transform: str) -> Size:
    """(H, W) of ``sample['img']``, with a clear error when it is missing or malformed."""
    if 'img' not in sample:
        raise KeyError(f'{transform}: the sample has no "img" (keys: {sorted(sample)}); '
                       f'every sample needs a uint8 3×H×W RGB image.')
    img = sample['img']
    if not (isinstance(img, torch.Tensor) and img.dim() == 3 and img.shape[0] == 3
            and img.dtype == torch.uint8):
        shape = tuple(img.shape) if isinstance(img, torch.Tensor) else type(img).__name__
        dtype = getattr(img, 'dtype', None)
        raise ValueError(f'{transform}: "img" must be a uint8 tensor of shape 3×H×W, got '
                         f'{shape} of dtype {dtype}; convert HWC arrays with '
                         f'torch.from_numpy(a).permute(2, 0, 1).')
    return int(img.shape[1]), int(img.shape[2])


def check_target(key: str, value: torch.Tensor, transform: str,
                 size: Optional[Size] = None) -> TargetSpec:
    """Check one target's shape against its declared spec (and ``size`` if given)."""
    spec = TARGET_SPECS[key]
    ok = value.dim() == (3 if spec.channels else 2)
    ok = ok and (not spec.channels or value.shape[0] == spec.channels)
    ok = ok and (size is None or tuple(value.shape[-2:]) == tuple(size))
    if not ok:
        hw = tuple(size) if size is not None else ('H', 'W')
        want = '×'.join(str(n) for n in ((spec.channels, *hw) if spec.channels else hw))
        where = ' (the size of img)' if size is not None else ''
        raise ValueError(f'{transform}: target "{key}" has shape {tuple(value.shape)}; '
                         f'expected {want}{where}.')
    return spec


def targets(sample: dict, transform: str,
            size: Optional[Size] = None) -> List[Tuple[str, TargetSpec]]:
    """The registered targets present in ``sample``, each shape-checked.

    Every tensor besides ``img`` must be a registered target: a geometric transform
    cannot leave an unknown map untouched without misaligning it.
    """
    found = []
    for key, value in sample.items():
        if key in ('img', 'meta') or not isinstance(value, torch.Tensor):
            continue
        if key not in TARGET_SPECS:
            raise KeyError(f'{transform}: the sample holds a tensor "{key}" that is not a '
                           f'declared target (known: {sorted(TARGET_SPECS)}); declare it '
                           f'with mtl.structures.register_target() or move it into meta.')
        found.append((key, check_target(key, value, transform, size)))
    return found


def fill_like(value: torch.Tensor, spec: TargetSpec) -> torch.Tensor:
    """A 0-d tensor holding the target's invalid value, in its dtype."""
    return torch.tensor(spec.fill_value, dtype=value.dtype)


def is_direction(spec: TargetSpec) -> bool:
    """Vector targets are 3-D directions in camera coordinates (e.g. normals)."""
    return spec.kind == 'vector' and spec.channels == 3


def update_intrinsics(sample: dict, edit: Callable[[np.ndarray], None]) -> None:
    """Apply ``edit`` to a copy of ``meta['intrinsics']``; skip samples without them."""
    meta = sample.get('meta')
    if not isinstance(meta, dict) or meta.get('intrinsics') is None:
        return
    K = np.array(meta['intrinsics'], dtype=np.float64)
    if K.shape != (3, 3):
        raise ValueError(f'meta["intrinsics"] must be a 3×3 matrix, got shape {K.shape}.')
    edit(K)
    sample['meta'] = {**meta, 'intrinsics': K}


def affine_intrinsics(scale: Tuple[float, float], offset: Tuple[float, float]
                      ) -> Callable[[np.ndarray], None]:
    """An intrinsics edit for the pixel map v' = sy·v + oy, u' = sx·u + ox."""
    (sy, sx), (oy, ox) = scale, offset

    def edit(K: np.ndarray) -> None:
        K[:2] = K[:2] * np.array([[sx], [sy]]) + np.array([[ox], [oy]]) * K[2]
    return edit


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    return x.round().clamp_(0, 255).to(torch.uint8)


def resize_image(img: torch.Tensor, size: Size) -> torch.Tensor:
    """Bilinear resize of a uint8 3×H×W image, antialiased when shrinking."""
    shrink = size[0] < img.shape[-2] or size[1] < img.shape[-1]
    out = F.interpolate(img[None].float(), size=tuple(size), mode='bilinear',
                        align_corners=False, antialias=shrink)
    return to_uint8(out[0])


def nearest_index(n_in: int, n_out: int) -> torch.Tensor:
    """Source index of each output pixel for a nearest resize from n_in to n_out."""
    position = (torch.arange(n_out, dtype=torch.float64) + 0.5) * (n_in / n_out)
    return position.floor().long().clamp_(max=n_in - 1)


def resize_nearest(target: torch.Tensor, size: Size) -> torch.Tensor:
    """Nearest resize of any-dtype H×W or C×H×W map (values are copied, never mixed)."""
    rows = nearest_index(target.shape[-2], size[0])
    cols = nearest_index(target.shape[-1], size[1])
    return target.index_select(-2, rows).index_select(-1, cols)


def resize_sample(sample: dict, size: Size, transform: str) -> dict:
    """Resize img (bilinear) and every target (nearest) to ``size``; scale the intrinsics."""
    height, width = image_size(sample, transform)
    out = dict(sample)
    out['img'] = resize_image(sample['img'], size)
    for key, _ in targets(sample, transform, (height, width)):
        out[key] = resize_nearest(sample[key], size)
    sy, sx = size[0] / height, size[1] / width
    update_intrinsics(out, affine_intrinsics((sy, sx), (0.5 * (sy - 1), 0.5 * (sx - 1))))
    return out


def crop_sample(sample: dict, top: int, left: int, size: Size, transform: str) -> dict:
    """Crop img and every target to rows top:top+h, cols left:left+w; shift cx, cy."""
    height, width = image_size(sample, transform)
    h, w = size
    if top < 0 or left < 0 or top + h > height or left + w > width:
        raise ValueError(f'{transform}: crop rows {top}:{top + h}, cols {left}:{left + w} '
                         f'do not fit in the {height}×{width} image; use a smaller crop '
                         f'or resize first.')
    out = dict(sample)
    for key in ['img'] + [k for k, _ in targets(sample, transform, (height, width))]:
        out[key] = sample[key][..., top:top + h, left:left + w].clone()
    update_intrinsics(out, affine_intrinsics((1.0, 1.0), (-top, -left)))
    return out


def pad_sample(sample: dict, size: Size, transform: str) -> dict:
    """Pad img with 0 and every target with its invalid value at the bottom and right up
    to ``size`` (no-op where the sample is already as large); the intrinsics stay."""
    height, width = image_size(sample, transform)
    bottom, right = max(size[0] - height, 0), max(size[1] - width, 0)
    if not bottom and not right:
        return dict(sample)
    out = dict(sample)
    out['img'] = F.pad(sample['img'], (0, right, 0, bottom))
    for key, spec in targets(sample, transform, (height, width)):
        padded = torch.full((*sample[key].shape[:-2], height + bottom, width + right),
                            spec.fill_value, dtype=sample[key].dtype)
        padded[..., :height, :width] = sample[key]
        out[key] = padded
    return out


def pair(value, name: str) -> Tuple:
    """Accept a scalar or a 2-sequence for a (first, second) parameter."""
    if isinstance(value, (int, float)):
        return value, value
    if isinstance(value, Sequence) and len(value) == 2:
        return tuple(value)
    raise ValueError(f'{name} must be a number or a pair, got {value!r}')
