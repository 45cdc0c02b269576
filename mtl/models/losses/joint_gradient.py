"""Joint gradient loss L_JG (Jiao, Cao, Song & Lau, ECCV 2018, Eq. 5 and Sec. 3.3).

    L_g(d, d^GT) = 1/N Σ_i |∇_h d_i − ∇_h d^GT_i| + |∇_v d_i − ∇_v d^GT_i|
    L_JG = L_g(d, d^GT) + L_g(d, s)

∇_h and ∇_v are fixed 3×3 Sobel kernels (∇_h responds to changes along x, i.e. from
left to right; ∇_v along y). Gradients are taken where the whole 3×3 window lies inside
the image ("valid" convolution), and for L_g(d, d^GT) only where the whole window has
valid ground truth, so that holes in the depth map do not create false edges.

Our reading of ``s``, "the semantic segmentation result" that replaces d^GT (the paper
does not say how a K-class result becomes one map):

- ``semantic_map='label'`` (default): the predicted label map, argmax of the semantic
  logits, as a float image, without gradient. Inside a predicted region ∇s = 0, so the
  term pulls depth gradients to zero there (piecewise-smooth surfaces per object), and
  the L1 penalty lets depth change across predicted region boundaries. The term trains
  the depth branch only.
- ``semantic_map='soft_label'``: the expected label Σ_k k·p_k under the softmax, a
  differentiable relaxation of the same map, so the term also trains the semantic
  branch (then it also sends gradient into the semantic branch for samples without
  semantic labels, see docs/jiao.md on partial supervision).

The semantic logits come in as the extra input ``seg`` (model config:
``extra=dict(seg='seg')``); without them only ``gt_weight × L_g(d, d^GT)`` is computed.
L_g(d, s) covers every pixel (both maps are predictions) of the samples that have
depth ground truth: like every depth loss, it gives nothing for a sample without it.
``gt_weight`` and ``semantic_weight`` scale the two terms (1 and 1 in Eq. 5), so that a
config can split L_JG into two named losses and, e.g., switch L_g(d, s) off while the
semantic branch is still untrained.
"""
from typing import Optional

import torch
from torch.nn import functional as F

from mtl.models.base import Loss, masked_mean
from mtl.registry import MODELS

SEMANTIC_MAPS = ('label', 'soft_label')
SOBEL_H = ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))


def sobel_gradients(x: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) -> (B, 2, H − 2, W − 2): Sobel ∇_h and ∇_v of each valid 3×3 window."""
    horizontal = torch.tensor(SOBEL_H, dtype=x.dtype, device=x.device)
    kernels = torch.stack([horizontal, horizontal.t()])[:, None]  # (2, 1, 3, 3)
    return F.conv2d(x, kernels)


def window_valid(mask: torch.Tensor) -> torch.Tensor:
    """(B, H, W) bool -> (B, H − 2, W − 2): True where the whole 3×3 window is valid."""
    invalid = F.max_pool2d((~mask).float()[:, None], kernel_size=3, stride=1)
    return invalid[:, 0] == 0


def gradient_difference(a: torch.Tensor, b: torch.Tensor,
                        mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """L_g(a, b) of Eq. 5 over the windows where ``mask`` (B, H, W) is valid."""
    diff = (sobel_gradients(a) - sobel_gradients(b)).abs().sum(1, keepdim=True)
    return masked_mean(diff, window_valid(mask) if mask is not None else None)


@MODELS.register_module()
class JointGradientLoss(Loss):
    """See the module docstring.

    Args:
        gt_weight: weight of L_g(d, d^GT).
        semantic_weight: weight of L_g(d, s) (used when ``seg`` logits are passed).
        semantic_map: ``'label'`` or ``'soft_label'``, how ``s`` is made from the logits.
    """

    def __init__(self, gt_weight: float = 1.0, semantic_weight: float = 1.0,
                 semantic_map: str = 'label'):
        super().__init__()
        if semantic_map not in SEMANTIC_MAPS:
            raise ValueError(f'semantic_map must be one of {SEMANTIC_MAPS}, got "{semantic_map}"')
        self.gt_weight, self.semantic_weight = gt_weight, semantic_weight
        self.semantic_map = semantic_map

    def label_map(self, logits: torch.Tensor) -> torch.Tensor:
        """``s`` (B, 1, H, W) from semantic logits (B, K, H, W)."""
        if self.semantic_map == 'label':
            return logits.detach().argmax(1, keepdim=True).to(logits.dtype)
        classes = torch.arange(logits.shape[1], dtype=logits.dtype, device=logits.device)
        return (logits.softmax(1) * classes.view(1, -1, 1, 1)).sum(1, keepdim=True)

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                valid_mask: Optional[torch.Tensor] = None,
                seg: Optional[torch.Tensor] = None) -> torch.Tensor:
        if min(pred.shape[-2:]) < 3:
            raise ValueError(f'Sobel gradients need maps of at least 3×3, got {tuple(pred.shape)}')
        loss = (pred * 0).sum()
        if valid_mask is None:
            valid_mask = torch.isfinite(target[:, 0]) & (target[:, 0] > 0)
        if self.gt_weight:
            target = torch.where(valid_mask[:, None], target, torch.zeros_like(target))
            loss = loss + self.gt_weight * gradient_difference(pred, target, valid_mask)
        if seg is not None and self.semantic_weight:
            if seg.shape[-2:] != pred.shape[-2:]:
                seg = F.interpolate(seg, size=pred.shape[-2:], mode='bilinear', align_corners=False)
            # Only samples that carry depth supervision (partial supervision, see docstring).
            supervised = valid_mask.flatten(1).any(1)[:, None, None].expand_as(valid_mask)
            loss = loss + self.semantic_weight * gradient_difference(
                pred, self.label_map(seg), supervised)
        return loss
