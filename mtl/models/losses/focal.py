"""Focal loss (Lin et al., ICCV 2017, Eq. 5), multi-class, per pixel.

FL = −α_t (1 − p_t)^γ log p_t, averaged over labelled pixels. ``alpha`` is a scalar
(0.25, the focal-loss paper's value that Jiao et al. cite for their semantic loss,
Eq. 6) or one value per class (e.g. from inverse class frequencies).

``class_frequencies`` (pixel counts or fractions per class, e.g. from the training set)
gives per-class α_k = ``alpha`` × w_k with the balancing weights of
:func:`alpha_from_frequencies`, so that the long tail of classes that Jiao et al. point
out (their Fig. 1 c-e) weighs more.
"""
from typing import Optional, Sequence, Union

import torch
from torch.nn import functional as F

from mtl.models.base import Loss
from mtl.models.losses.functional import label_map
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX

BALANCING = ('median', 'inverse')


def alpha_from_frequencies(frequencies: Sequence[float], balancing: str = 'median') -> torch.Tensor:
    """Per-class weights from class frequencies (any positive scale).

    ``'median'``: median frequency balancing (Eigen & Fergus, ICCV 2015), w_k =
    median(f) / f_k, the median over classes that occur. ``'inverse'``: w_k ∝ 1 / f_k,
    scaled so that the weights of occurring classes average 1. A class with frequency 0
    never is a label and gets weight 0.
    """
    if balancing not in BALANCING:
        raise ValueError(f'balancing must be one of {BALANCING}, got "{balancing}"')
    freq = torch.as_tensor(frequencies, dtype=torch.float64)
    if freq.dim() != 1 or (freq < 0).any() or not (freq > 0).any():
        raise ValueError(f'class frequencies must be a 1-D list of non-negative values with at '
                         f'least one positive, got {frequencies}')
    seen = freq > 0
    inverse = torch.where(seen, 1 / freq.clamp(min=torch.finfo(freq.dtype).tiny),
                          torch.zeros_like(freq))
    scale = freq[seen].quantile(0.5) if balancing == 'median' else 1 / inverse[seen].mean()
    return (inverse * scale).float()


@MODELS.register_module()
class FocalLoss(Loss):
    task_type = 'classification'

    def __init__(self, alpha: Union[float, Sequence[float]] = 0.25, gamma: float = 2.0,
                 ignore_index: int = IGNORE_INDEX,
                 class_frequencies: Optional[Sequence[float]] = None, balancing: str = 'median'):
        super().__init__()
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        alpha = torch.as_tensor(alpha, dtype=torch.float32)
        if class_frequencies is not None:
            if alpha.dim() != 0:
                raise ValueError('With class_frequencies, alpha must be a scalar (it scales the '
                                 'per-class weights)')
            alpha = alpha * alpha_from_frequencies(class_frequencies, balancing)
        self.register_buffer('alpha', alpha, persistent=False)
        self.gamma, self.ignore_index = gamma, ignore_index

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        target = label_map(pred, target, self.ignore_index)
        if self.alpha.dim() == 1 and self.alpha.numel() != pred.shape[1]:
            raise ValueError(f'alpha has {self.alpha.numel()} values for {pred.shape[1]} classes')
        labelled = target != self.ignore_index
        if not labelled.any():
            return (pred * 0).sum()
        log_p = F.log_softmax(pred, dim=1).permute(0, 2, 3, 1)[labelled]  # (N, K)
        labels = target[labelled]
        log_pt = log_p.gather(1, labels[:, None]).squeeze(1)
        alpha_t = self.alpha[labels] if self.alpha.dim() == 1 else self.alpha
        return (-alpha_t * (1 - log_pt.exp()) ** self.gamma * log_pt).mean()
