"""Random joint geometric augmentation: flip, Eigen-style scale-crop, roll, translation.

Jiao et al. (ECCV 2018, Sec. 4) augment NYUDv2 by random in-plane rotation (±5°),
translation, horizontal flips, colour and contrast shifts; the scale-crop zoom follows
Eigen et al. (NIPS 2014 / ICCV 2015), where scaling the image by s divides depth by s.

Every transform here moves ``img`` and every registered target present in the sample
(depth, seg, normals, contours, depth_bins, ...) together, skips absent keys, and keeps
``meta['intrinsics']`` consistent with the new pixel grid. The image is resampled
bilinearly, targets by nearest neighbour; pixels that come from outside the image get
the target's invalid value (depth 0, labels 255, normals 0, NaN for scalar targets)
and 0 in the image.

Randomness: each transform makes exactly one ``torch.rand(n)`` draw per call, with a
fixed ``n``, from torch's global generator, so mmengine's seeding (and the data
loader's per-worker seeds) make pipelines reproducible.
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from mtl.registry import TRANSFORMS
from mtl.structures import TargetSpec

from ._sample import (DEPTH_ENCODINGS, affine_intrinsics, crop_sample, fill_like,
                      image_size, is_direction, pad_sample, pair, resize_sample, targets, to_uint8,
                      update_intrinsics)


@TRANSFORMS.register_module()
class RandomHorizontalFlip:
    """Mirror the sample left-right with probability ``prob``.

    The flipped image is the exact image of the mirrored scene (X → −X) seen by the
    same camera: depth is unchanged, the normals' x component is negated, and the
    principal point moves to cx → W − 1 − cx. Draws ``torch.rand(1)``.
    """

    def __init__(self, prob: float = 0.5):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must lie in [0, 1], got {prob}')
        self.prob = prob

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        size = image_size(sample, name)
        keys = targets(sample, name, size)
        width = size[1]
        if float(torch.rand(1)) >= self.prob:
            return dict(sample)
        out = dict(sample)
        out['img'] = sample['img'].flip(-1)
        for key, spec in keys:
            out[key] = sample[key].flip(-1)
            if is_direction(spec):
                out[key][0].neg_()

        def mirror(K):
            K[0, 2] = width - 1 - K[0, 2]
            K[0, 1] = -K[0, 1]
        update_intrinsics(out, mirror)
        return out

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class RandomScaleCrop:
    """Eigen-style zoom: resize by s ~ U(scale), then crop a random window.

    The window is ``crop_size`` (H, W), or the original size when None. Depth targets
    are divided by s; fx, fy are scaled and cx, cy shifted with the pixel grid. The
    result is the exact image of the scene shrunk by 1/s about the camera centre and
    seen through the zoomed camera, so surface normals are unchanged. Depth-encoding
    targets (``depth_bins``, ``depth_nlog``) cannot be rescaled: derive them after
    this transform. Draws ``torch.rand(3)``: the scale and the window's top and left.

    ``choices`` draws s uniformly from a set of scales instead of the range (PAD-Net's
    {0.5, 0.75, 1, 1.25, 1.75}). ``pad=True`` pads a scaled image smaller than the crop at
    its bottom and right, the image with 0 and every target with its invalid value, so
    that a fixed crop also works after shrinking.
    """

    def __init__(self, scale: Sequence[float] = (1.0, 1.5),
                 crop_size: Optional[Sequence[int]] = None,
                 choices: Optional[Sequence[float]] = None, pad: bool = False):
        self.choices = None if choices is None else tuple(float(c) for c in choices)
        if self.choices is not None and (not self.choices or min(self.choices) <= 0):
            raise ValueError(f'choices must be a non-empty list of positive scales, got {choices}')
        self.scale = ((min(self.choices), max(self.choices)) if self.choices is not None
                      else tuple(float(s) for s in pair(scale, 'scale')))
        if not 0 < self.scale[0] <= self.scale[1]:
            raise ValueError(f'scale must be (low, high) with 0 < low <= high, got {scale}')
        if crop_size is None and self.scale[0] < 1:
            raise ValueError(f'scale {self.scale} shrinks the image, so the original size '
                             f'cannot be cropped back: give crop_size or low >= 1')
        self.crop_size = None if crop_size is None else tuple(pair(crop_size, 'crop_size'))
        self.pad = bool(pad)

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        height, width = image_size(sample, name)
        keys = targets(sample, name, (height, width))
        encoded = sorted(k for k, _ in keys if k in DEPTH_ENCODINGS)
        if encoded:
            raise ValueError(f'{name} divides depth by the scale, so the depth-derived '
                             f'targets {encoded} would no longer match: move the '
                             f'transforms that derive them after {name} in the pipeline.')
        u = torch.rand(3).tolist()
        if self.choices is not None:
            s = self.choices[min(int(u[0] * len(self.choices)), len(self.choices) - 1)]
        else:
            s = self.scale[0] + u[0] * (self.scale[1] - self.scale[0])
        scaled = (round(height * s), round(width * s))
        h, w = self.crop_size or (height, width)
        out = resize_sample(sample, scaled, name)
        if self.pad:
            scaled = (max(h, scaled[0]), max(w, scaled[1]))
            out = pad_sample(out, scaled, name)
        if h > scaled[0] or w > scaled[1]:
            raise ValueError(f'{name}: crop {h}×{w} is larger than the {scaled[0]}×'
                             f'{scaled[1]} image scaled by {s:.3f}; lower crop_size, '
                             f'raise scale or set pad=True.')
        top = min(int(u[1] * (scaled[0] - h + 1)), scaled[0] - h)
        left = min(int(u[2] * (scaled[1] - w + 1)), scaled[1] - w)
        out = crop_sample(out, top, left, (h, w), name)
        for key, spec in keys:
            if spec.kind == 'depth':
                out[key] = out[key] / s
        return out

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, choices={self.choices}, '
                f'crop_size={self.crop_size}, pad={self.pad})')


def rotation_sources(size: Tuple[int, int], degrees: float
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Source pixel (u, v) of every output pixel for a rotation about the centre.

    Positive angles turn the content counter-clockwise as displayed (y down), the
    sense of ``torch.rot90(x, 1, dims=(-2, -1))``: a point at offset (u, v) from the
    centre moves to (c·u + s·v, −s·u + c·v).
    """
    height, width = size
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    cv, cu = (height - 1) / 2, (width - 1) / 2
    v, u = torch.meshgrid(torch.arange(height, dtype=torch.float32) - cv,
                          torch.arange(width, dtype=torch.float32) - cu, indexing='ij')
    return c * u - s * v + cu, s * u + c * v + cv


@TRANSFORMS.register_module()
class RandomRotation:
    """In-plane rotation by θ ~ U(−max_degrees, max_degrees) about the image centre.

    This is a camera roll about the optical axis: depth values are unchanged and the
    normals' (x, y) components turn by the same angle as the image content (positive θ
    = counter-clockwise as displayed). The image is sampled bilinearly, targets by
    nearest neighbour; pixels from outside become invalid (image 0).

    Approximation: the intrinsics are left unchanged. The roll is exact only when the
    principal point is the image centre and fx = fy; NYU's (cx, cy) lies a few pixels
    off centre, which a ±5° roll turns into a sub-pixel error. Draws ``torch.rand(1)``.
    """

    def __init__(self, max_degrees: float = 5.0):
        if not 0 <= max_degrees <= 180:
            raise ValueError(f'max_degrees must lie in [0, 180], got {max_degrees}')
        self.max_degrees = float(max_degrees)

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        size = image_size(sample, name)
        keys = targets(sample, name, size)
        degrees = (2 * float(torch.rand(1)) - 1) * self.max_degrees
        return rotate_sample(sample, keys, degrees)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(max_degrees={self.max_degrees})'


def rotate_sample(sample: dict, keys: List[Tuple[str, TargetSpec]], degrees: float) -> dict:
    """Rotate img and the given targets by ``degrees`` (see :class:`RandomRotation`)."""
    height, width = sample['img'].shape[-2:]
    src_u, src_v = rotation_sources((height, width), degrees)
    grid = torch.stack(((2 * src_u + 1) / width - 1, (2 * src_v + 1) / height - 1), -1)
    img = F.grid_sample(sample['img'][None].float(), grid[None], mode='bilinear',
                        padding_mode='zeros', align_corners=False)
    out = dict(sample, img=to_uint8(img[0]))
    iu, iv = src_u.round().long(), src_v.round().long()
    inside = (iu >= 0) & (iu < width) & (iv >= 0) & (iv < height)
    flat = (iv.clamp(0, height - 1) * width + iu.clamp(0, width - 1)).flatten()
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    for key, spec in keys:
        target = sample[key]
        moved = target.flatten(-2).index_select(-1, flat).reshape(target.shape)
        if is_direction(spec):
            x, y = moved[0].clone(), moved[1].clone()
            moved[0], moved[1] = c * x + s * y, -s * x + c * y
        out[key] = torch.where(inside, moved, fill_like(moved, spec))
    return out


@TRANSFORMS.register_module()
class RandomTranslation:
    """Shift the sample by integer (dx, dy) ~ U{−max..max} pixels (right, down).

    Uncovered pixels become invalid (image 0); cx, cy move with the content. An integer
    shift needs no resampling. ``max_shift`` is (dx, dy) or one number for both; Jiao et
    al. do not state their range. Draws ``torch.rand(2)``.
    """

    def __init__(self, max_shift: Sequence[int] = (16, 16)):
        self.max_shift = tuple(int(m) for m in pair(max_shift, 'max_shift'))
        if min(self.max_shift) < 0:
            raise ValueError(f'max_shift must be non-negative, got {max_shift}')

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        size = image_size(sample, name)
        keys = targets(sample, name, size)
        u = torch.rand(2).tolist()
        dx, dy = (min(int(r * (2 * m + 1)), 2 * m) - m for r, m in zip(u, self.max_shift))
        out = dict(sample, img=shift(sample['img'], dx, dy, 0))
        for key, spec in keys:
            out[key] = shift(sample[key], dx, dy, spec.fill_value)
        update_intrinsics(out, affine_intrinsics((1.0, 1.0), (dy, dx)))
        return out

    def __repr__(self) -> str:
        return f'{type(self).__name__}(max_shift={self.max_shift})'


def shift(target: torch.Tensor, dx: int, dy: int, fill: float) -> torch.Tensor:
    """Move the content of an H×W / C×H×W map by (dx, dy) pixels, filling the rest."""
    height, width = target.shape[-2:]
    dx, dy = max(-width, min(width, dx)), max(-height, min(height, dy))
    out = torch.full_like(target, fill)
    out[..., max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
        target[..., max(-dy, 0):height - max(dy, 0), max(-dx, 0):width - max(dx, 0)]
    return out
