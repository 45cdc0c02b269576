"""Random photometric augmentation of the RGB image; targets are never touched.

Jiao et al. (ECCV 2018, Sec. 4), after Eigen et al.: "color (multiply with RGB value
∈ [0.8, 1.2]³) and contrast (multiply with value ∈ [0.5, 2.0]) shift". We read the
contrast shift as scaling the deviations from the image mean (a plain multiplication
would be a brightness change), with the factor drawn uniformly from the range.

Results are rounded and clipped to [0, 255] and stay uint8. Each transform makes one
``torch.rand(n)`` draw per call (fixed ``n``, torch's global generator, so mmengine's
seeding makes it reproducible): the first number decides whether to apply it
(probability ``prob``), the others give its factors.
"""
from typing import Sequence

import torch

from mtl.registry import TRANSFORMS

from ._sample import image_size, to_uint8


def _check_range(value: Sequence[float], name: str) -> tuple:
    low, high = (float(v) for v in value)
    if not 0 <= low <= high:
        raise ValueError(f'{name} must be (low, high) with 0 <= low <= high, got {value}')
    return low, high


def _check_prob(prob: float) -> float:
    if not 0 <= prob <= 1:
        raise ValueError(f'prob must lie in [0, 1], got {prob}')
    return prob


def _uniform(u: torch.Tensor, low: float, high: float) -> torch.Tensor:
    return low + u * (high - low)


class PhotometricTransform:
    """Applies :meth:`adjust` to the float image with probability ``prob``; one
    ``torch.rand(1 + draws)`` per call: the first number decides, the others are the
    transform's uniform draws in [0, 1)."""
    draws = 1

    def __init__(self, prob: float = 1.0):
        self.prob = _check_prob(prob)

    def adjust(self, img: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, sample: dict) -> dict:
        image_size(sample, type(self).__name__)
        u = torch.rand(1 + self.draws)
        if float(u[0]) >= self.prob:
            return dict(sample)
        return dict(sample, img=to_uint8(self.adjust(sample['img'].float(), u[1:])))


@TRANSFORMS.register_module()
class ColorJitter(PhotometricTransform):
    """Multiply each RGB channel by its own factor ~ U(range). Draws ``torch.rand(4)``."""
    draws = 3

    def __init__(self, range: Sequence[float] = (0.8, 1.2), prob: float = 1.0):
        super().__init__(prob)
        self.range = _check_range(range, 'range')

    def adjust(self, img: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        return img * _uniform(u, *self.range)[:, None, None]

    def __repr__(self) -> str:
        return f'{type(self).__name__}(range={self.range}, prob={self.prob})'


@TRANSFORMS.register_module()
class RandomContrast(PhotometricTransform):
    """Scale the image about its mean, m + c·(x − m), with c ~ U(range).

    The mean m is taken over all pixels and channels, so the contrast change does not
    shift the colour balance. Draws ``torch.rand(2)``.
    """

    def __init__(self, range: Sequence[float] = (0.5, 2.0), prob: float = 1.0):
        super().__init__(prob)
        self.range = _check_range(range, 'range')

    def adjust(self, img: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        mean = img.mean()
        return mean + float(_uniform(u[0], *self.range)) * (img - mean)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(range={self.range}, prob={self.prob})'


@TRANSFORMS.register_module()
class RandomBrightness(PhotometricTransform):
    """Add one offset ~ U(−delta, delta) (grey levels) to all channels.

    Not used by the papers' recipes; offered for other pipelines. Draws ``torch.rand(2)``.
    """

    def __init__(self, delta: float = 32.0, prob: float = 1.0):
        super().__init__(prob)
        if not 0 <= delta <= 255:
            raise ValueError(f'delta must lie in [0, 255], got {delta}')
        self.delta = float(delta)

    def adjust(self, img: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        return img + float(_uniform(u[0], -self.delta, self.delta))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(delta={self.delta}, prob={self.prob})'
