"""Deterministic resizing and cropping (and the plain random crop).

Jiao et al. (ECCV 2018, Sec. 4) down-sample NYUDv2 images to half size with the
invalid white border cropped, and up-sample predictions back to full size for
evaluation: :class:`Crop` removes the border, :class:`Resize` halves the sample, and
``Resize(img_only=True)`` feeds a half-size image while keeping full-size targets.

The image is resized bilinearly (antialiased when shrinking) and every target by
nearest neighbour, so depth values are kept as they are (not scaled: a resize changes
the focal length in pixels, not the scene) and unit normals stay unit vectors. The
intrinsics follow the pixel grid: fx' = a·fx, cx' = a·(cx + 0.5) − 0.5 for a factor a
(pixel centres at integer coordinates); crops shift cx, cy.
"""
from typing import Optional, Sequence, Tuple

import torch

from mtl.registry import TRANSFORMS

from ._sample import crop_sample, image_size, pair, resize_image, resize_sample, targets


@TRANSFORMS.register_module()
class Resize:
    """Resize to ``size`` (H, W) or by the factor ``scale`` (exactly one of the two).

    With ``keep_ratio``, ``size`` is a bound: the image is scaled by one factor so that
    it fits inside (H, W). With ``img_only``, only ``img`` is resized: the targets and
    the intrinsics keep describing the full-resolution grid, and the image's scale
    (sy, sx) relative to them is stored as ``meta['img_scale']``. Use it last among
    the geometric transforms (later ones need img and targets of one size).
    """

    def __init__(self, size: Optional[Sequence[int]] = None, scale: Optional[float] = None,
                 img_only: bool = False, keep_ratio: bool = False):
        if (size is None) == (scale is None):
            raise ValueError(f'give exactly one of size and scale, got size={size}, '
                             f'scale={scale}')
        if scale is not None and not scale > 0:
            raise ValueError(f'scale must be positive, got {scale}')
        if keep_ratio and size is None:
            raise ValueError('keep_ratio bounds the output by size; it needs size, not scale')
        self.size = None if size is None else tuple(int(n) for n in pair(size, 'size'))
        if self.size is not None and min(self.size) < 1:
            raise ValueError(f'size must be positive, got {size}')
        self.scale, self.img_only, self.keep_ratio = scale, img_only, keep_ratio

    def output_size(self, height: int, width: int) -> Tuple[int, int]:
        if self.scale is not None:
            factors = (self.scale, self.scale)
        elif self.keep_ratio:
            factor = min(self.size[0] / height, self.size[1] / width)
            factors = (factor, factor)
        else:
            return self.size
        return max(1, round(height * factors[0])), max(1, round(width * factors[1]))

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        height, width = image_size(sample, name)
        size = self.output_size(height, width)
        if not self.img_only:
            return resize_sample(sample, size, name)
        targets(sample, name, None)  # shape-check the targets left at full size
        meta = sample.get('meta', {})
        img_scale = (size[0] / height, size[1] / width)
        return dict(sample, img=resize_image(sample['img'], size),
                    meta={**meta, 'img_scale': img_scale})

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, scale={self.scale}, '
                f'img_only={self.img_only}, keep_ratio={self.keep_ratio})')


@TRANSFORMS.register_module()
class Crop:
    """Fixed crop to rows top:bottom, cols left:right (0-based, end exclusive).

    E.g. NYUDv2's white border: ``Crop(box=(45, 41, 471, 601))`` keeps the Eigen
    evaluation region of the 480×640 frames.
    """

    def __init__(self, box: Sequence[int]):
        if len(box) != 4:
            raise ValueError(f'box must be (top, left, bottom, right), got {box}')
        self.box = tuple(int(b) for b in box)
        top, left, bottom, right = self.box
        if not (0 <= top < bottom and 0 <= left < right):
            raise ValueError(f'box {box} must satisfy 0 <= top < bottom and '
                             f'0 <= left < right')

    def __call__(self, sample: dict) -> dict:
        top, left, bottom, right = self.box
        return crop_sample(sample, top, left, (bottom - top, right - left),
                           type(self).__name__)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(box={self.box})'


def _crop_size(size, name: str) -> Tuple[int, int]:
    size = tuple(int(n) for n in pair(size, 'size'))
    if min(size) < 1:
        raise ValueError(f'{name}: size must be positive, got {size}')
    return size


def _check_fits(size: Tuple[int, int], image: Tuple[int, int], name: str) -> None:
    if size[0] > image[0] or size[1] > image[1]:
        raise ValueError(f'{name}: crop size {size[0]}×{size[1]} is larger than the '
                         f'{image[0]}×{image[1]} image; lower size or resize first.')


@TRANSFORMS.register_module()
class CenterCrop:
    """Crop the central ``size`` (H, W) window (the extra pixel of an odd margin
    goes to the bottom / right)."""

    def __init__(self, size: Sequence[int]):
        self.size = _crop_size(size, type(self).__name__)

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        height, width = image_size(sample, name)
        _check_fits(self.size, (height, width), name)
        top, left = (height - self.size[0]) // 2, (width - self.size[1]) // 2
        return crop_sample(sample, top, left, self.size, name)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size})'


@TRANSFORMS.register_module()
class RandomCrop:
    """Crop a ``size`` (H, W) window at a uniformly random position.

    Draws ``torch.rand(2)`` (top, left) from torch's global generator per call.
    """

    def __init__(self, size: Sequence[int]):
        self.size = _crop_size(size, type(self).__name__)

    def __call__(self, sample: dict) -> dict:
        name = type(self).__name__
        height, width = image_size(sample, name)
        _check_fits(self.size, (height, width), name)
        u = torch.rand(2).tolist()
        top = min(int(u[0] * (height - self.size[0] + 1)), height - self.size[0])
        left = min(int(u[1] * (width - self.size[1] + 1)), width - self.size[1])
        return crop_sample(sample, top, left, self.size, name)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size})'
