"""Per-loss gradients of the shared parameters, for gradient-based loss balancing.

No paper: the plumbing that lets a :class:`mtl.models.base.GradientCombiner` (the
gradient-based methods of docs/balancing.md) replace the gradient of the shared parameters θ with its combination
d = C(g_1, …, g_T), g_i = ∂L_i/∂θ, while the rest of the training step is unchanged.

:func:`combined_gradient_term` returns a term whose value is zero and whose gradient is
d − Σ_i g_i on θ and zero elsewhere. The model adds it to the loss terms, so the one
ordinary backward pass of the train step leaves

- d on the shared parameters (Σ_i g_i + d − Σ_i g_i), and
- Σ_i ∂L_i/∂φ on every other parameter φ, as with equal fixed weights.

Consequences, each tested in ``tests/test_balancing.py``:

- **Gradient scaling (AMP)**: the g_i come from the unscaled losses, so the combination
  sees unscaled gradients; a scaler multiplies the whole backward by s and unscales it
  before the step, which leaves d.
- **DDP**: every rank all-reduces (averages) its matrix of g_i before combining, so all
  ranks combine the gradients of the global batch and compute the same d; DDP then
  averages Σ_i g_i(rank) + d − Σ_i g_i(rank) over the ranks, which is d. Task-specific
  parameters get DDP's average, as always. The result equals the single-process
  combination of the global batch (for losses that are means over equal per-rank batches).
- Any optimizer wrapper, gradient clipping and accumulation work unchanged.

Cost: one extra backward pass per loss through the graph (``retain_graph``), and a
T × P matrix of gradients (P: number of shared parameters).
"""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.distributed as dist
from torch import nn


def distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def all_average(value: torch.Tensor) -> torch.Tensor:
    """``value`` averaged over the processes of the default group (itself without DDP)."""
    if not distributed():
        return value
    value = value.detach().clone()
    dist.all_reduce(value)
    return value / dist.get_world_size()


def loss_gradients(losses: Sequence[torch.Tensor], params: Sequence[nn.Parameter]) -> torch.Tensor:
    """T × P float32 matrix: row i is ∂losses[i]/∂params, flattened (zeros where a loss
    does not reach a parameter). The graph is kept for the train step's own backward."""
    rows = []
    for loss in losses:
        grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1).float()
                               for p, g in zip(params, grads)]))
    return torch.stack(rows)


def combined_gradient_term(terms: Dict[str, torch.Tensor], params: List[nn.Parameter],
                           combiner) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """A zero-valued term that turns the gradient of ``params`` into
    ``combiner.combine_gradients`` of the per-loss gradients (module docstring), and the
    combiner's logs. ``terms`` must hold every loss the combiner was built for: under DDP
    every rank must contribute the same rows. Frozen parameters
    (``requires_grad=False``) are left out."""
    names = list(combiner.loss_names)
    missing = sorted(set(names) - set(terms))
    if missing:
        raise ValueError(f'{type(combiner).__name__} combines the gradients of every loss, but '
                         f'this batch has no {missing} (their targets are absent): gradient-based '
                         f'combiners need every target in every batch')
    params = [p for p in params if p.requires_grad]
    if not params:  # the shared parameters are frozen (e.g. by a training stage)
        return next(iter(terms.values())).new_zeros(()), {}
    local = loss_gradients([terms[n] for n in names], params)
    combined, logs = combiner.combine_gradients(all_average(local), names)
    delta = (combined - local.sum(0)).detach()
    term, offset = local.new_zeros(()), 0
    for param in params:
        size = param.numel()
        term = term + (delta[offset:offset + size].view_as(param).to(param.dtype) * param).sum()
        offset += size
    return term - term.detach(), logs
