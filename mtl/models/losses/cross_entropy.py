"""Pixel-wise cross-entropy with an ignore index and optional class weights.

``class_weight`` is a list of hand-given weights, or ``'frequency'`` for CI-Net's weighted
cross-entropy (Gao et al., Applied Intelligence 2022, Eq. 12)::

    L_seg = − Σ_ij Σ_c ω_c ψ(s_ij, c) log p(s̃_ij, c),   ω_c = (N_total − N_c) / N_total

with N_c the training set's pixels of class c, counted once before training by
``LabelCountsHook`` (cached; see :class:`mtl.models.base.UsesLabelCounts`).

Reduction: ``'mean'`` (default) is the weighted mean of ``torch.nn.functional.cross_entropy``,
Σ ω_{s_ij} ℓ_ij / Σ ω_{s_ij} over labelled pixels, so the loss keeps its scale whatever the
weights; ``'sum'`` is Eq. 12 as written, Σ ω_{s_ij} ℓ_ij, which grows with the image size and
batch. Both weigh rare classes up by the same ratios.
"""
from typing import Optional, Sequence, Union

import torch
from torch.nn import functional as F

from mtl.models.base import Loss, UsesLabelCounts
from mtl.models.losses.functional import label_map
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX

FREQUENCY = 'frequency'


def frequency_weights(counts: torch.Tensor) -> torch.Tensor:
    """ω_c = (N_total − N_c) / N_total (Eq. 12)."""
    counts = counts.double()
    total = counts.sum()
    if total <= 0:
        raise ValueError('the label counts are all zero: the training set has no labelled pixel')
    return ((total - counts) / total).float()


@MODELS.register_module()
class CrossEntropyLoss(Loss, UsesLabelCounts):
    """See the module docstring. A batch without labels gives 0.

    Args:
        class_weight: per-class weights, ``'frequency'`` (Eq. 12) or ``None``.
        ignore_index: the label of unlabelled pixels.
        label_smoothing: as in ``torch.nn.functional.cross_entropy``.
        reduction: ``'mean'`` (weighted mean) or ``'sum'`` (Eq. 12 as written).
        target_key: the batch key of the labels (given by the model).
    """
    task_type = 'classification'

    def __init__(self, class_weight: Optional[Union[Sequence[float], str]] = None,
                 ignore_index: int = IGNORE_INDEX, label_smoothing: float = 0.0,
                 reduction: str = 'mean', target_key: Optional[str] = None):
        super().__init__()
        if isinstance(class_weight, str) and class_weight != FREQUENCY:
            raise ValueError(f'class_weight must be a list of weights, "{FREQUENCY}" or None, got '
                             f'"{class_weight}"')
        if reduction not in ('mean', 'sum'):
            raise ValueError(f'reduction must be "mean" or "sum", got "{reduction}"')
        self.from_frequency = class_weight == FREQUENCY
        weight = (torch.tensor(class_weight, dtype=torch.float32)
                  if class_weight is not None and not self.from_frequency else None)
        self.register_buffer('class_weight', weight, persistent=False)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        self.reduction, self.target_key = reduction, target_key

    def label_counts_key(self) -> Optional[str]:
        return self.target_key if self.from_frequency else None

    def set_label_counts(self, counts: torch.Tensor) -> None:
        self.class_weight = frequency_weights(torch.as_tensor(counts)).to(
            device=self.class_weight.device if self.class_weight is not None else None)

    def weights_for(self, pred: torch.Tensor) -> Optional[torch.Tensor]:
        """The class weights for logits with ``pred.shape[1]`` classes."""
        if self.class_weight is None:
            if self.from_frequency:
                raise RuntimeError('class_weight="frequency" needs the training set\'s label '
                                   'counts: add dict(type="LabelCountsHook") to custom_hooks.')
            return None
        weight = self.class_weight.to(pred.device)
        if self.from_frequency and len(weight) < pred.shape[1]:  # classes never seen: N_c = 0
            weight = torch.cat([weight, weight.new_ones(pred.shape[1] - len(weight))])
        if len(weight) != pred.shape[1]:
            raise ValueError(f'{len(weight)} class weights for a head with {pred.shape[1]} classes')
        return weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        target = label_map(pred, target, self.ignore_index)
        weight = self.weights_for(pred)
        if not (target != self.ignore_index).any():
            return (pred * 0).sum()
        return F.cross_entropy(pred, target, weight=weight, ignore_index=self.ignore_index,
                               label_smoothing=self.label_smoothing, reduction=self.reduction)

