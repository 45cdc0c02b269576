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


@TRANSFORMS.register_module()
class ColorJitter:
    """Multiply each RGB channel by its own factor ~ U(range). Draws ``torch.rand(4)``."""

    def __init__(self, range: Sequence[float] = (0.8, 1.2), prob: float = 1.0):
        self.range = _check_range(range, 'range')
        self.prob = _check_prob(prob)

    def __call__(self, sample: dict) -> dict:
        image_size(sample, type(self).__name__)
        u = torch.rand(4)
        if float(u[0]) >= self.prob:
            return dict(sample)
        factors = _uniform(u[1:], *self.range)
        return dict(sample, img=to_uint8(sample['img'].float() * factors[:, None, None]))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(range={self.range}, prob={self.prob})'


@TRANSFORMS.register_module()
class RandomContrast:
    """Scale the image about its mean, m + c·(x − m), with c ~ U(range).

    The mean m is taken over all pixels and channels, so the contrast change does not
    shift the colour balance. Draws ``torch.rand(2)``.
    """

    def __init__(self, range: Sequence[float] = (0.5, 2.0), prob: float = 1.0):
        self.range = _check_range(range, 'range')
        self.prob = _check_prob(prob)

    def __call__(self, sample: dict) -> dict:
        image_size(sample, type(self).__name__)
        u = torch.rand(2)
        if float(u[0]) >= self.prob:
            return dict(sample)
        factor = float(_uniform(u[1], *self.range))
        img = sample['img'].float()
        mean = img.mean()
        return dict(sample, img=to_uint8(mean + factor * (img - mean)))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(range={self.range}, prob={self.prob})'


@TRANSFORMS.register_module()
class RandomBrightness:
    """Add one offset ~ U(−delta, delta) (grey levels) to all channels.

    Not used by the papers' recipes; offered for other pipelines. Draws ``torch.rand(2)``.
    """

    def __init__(self, delta: float = 32.0, prob: float = 1.0):
        if not 0 <= delta <= 255:
            raise ValueError(f'delta must lie in [0, 255], got {delta}')
        self.delta = float(delta)
        self.prob = _check_prob(prob)

    def __call__(self, sample: dict) -> dict:
        image_size(sample, type(self).__name__)
        u = torch.rand(2)
        if float(u[0]) >= self.prob:
            return dict(sample)
        offset = float(_uniform(u[1], -self.delta, self.delta))
        return dict(sample, img=to_uint8(sample['img'].float() + offset))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(delta={self.delta}, prob={self.prob})'
