"""Putting a checkpoint's weights into a model: strict by default.

mmengine loads non-strictly and only logs size mismatches, so a checkpoint from another
config (another class count, another backbone) evaluates as a partly random model whose
metrics look real. :func:`load_weights` compares the checkpoint with the model first and
raises, before anything runs, with the first mismatched keys and shapes and the likely
cause; ``strict=False`` (``--non-strict``, ``load_strict=False`` in a config) loads the
matching weights deliberately and logs what was skipped. ``renames`` (the config's
``load_renames``, for ``load_from``) renames checkpoint keys by prefix first, so that a
network trained under one task's name starts another task's (fine-tuning).
"""
import logging
import re
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.logging import print_log
from torch import nn

SHOWN = 5  # keys listed per kind of mismatch
NON_STRICT_FIX = ('pass --non-strict to the tool (or set load_strict=False in the config) to '
                  'load only the matching weights deliberately')


class CheckpointMismatchError(ValueError):
    """The checkpoint's weights do not fit the model."""


def state_dict_of(checkpoint, source: str) -> Dict[str, torch.Tensor]:
    """The model weights in a checkpoint (mmengine's ``state_dict`` or a bare state dict),
    with DataParallel's ``module.`` prefix removed."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    tensors = {k: v for k, v in (state or {}).items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointMismatchError(
            f'Checkpoint "{source}" holds no model weights (no tensors under "state_dict" or at '
            f'its top level): it is not a model checkpoint.')
    return {re.sub(r'^module\.', '', k): v for k, v in tensors.items()}


class Comparison:
    """Which checkpoint weights fit the model, and which do not."""

    def __init__(self, model_state: Dict[str, torch.Tensor], state: Dict[str, torch.Tensor]):
        self.missing = [k for k in model_state if k not in state]
        self.unexpected = [k for k in state if k not in model_state]
        self.reshaped: List[Tuple[str, tuple, tuple]] = [
            (k, tuple(state[k].shape), tuple(v.shape)) for k, v in model_state.items()
            if k in state and state[k].shape != v.shape]
        self.total = len(model_state)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.reshaped)

    def likely_cause(self) -> str:
        if self.reshaped and all(ckpt[1:] == own[1:] for _, ckpt, own in self.reshaped):
            return ('another class or interval count (only output channels differ): the '
                    'checkpoint was trained with another dataset or head setting')
        if len(self.missing) == self.total:
            return 'it belongs to another model (no weight name matches this config)'
        return 'it was trained with another config (another backbone, tasks or decoder)'

    def describe(self) -> str:
        parts = []
        if self.reshaped:
            shown = ', '.join(f'{k}: checkpoint {c}, model {m}'
                              for k, c, m in self.reshaped[:SHOWN])
            parts.append(f'{len(self.reshaped)} of different shape ({shown})')
        for label, keys in (('missing from the checkpoint', self.missing),
                            ('not in the model', self.unexpected)):
            if keys:
                parts.append(f'{len(keys)} {label} ({", ".join(keys[:SHOWN])})')
        return '; '.join(parts)


def renamed(state: Dict[str, torch.Tensor], renames: Dict[str, str], source: str) -> Dict[str, torch.Tensor]:
    """``state`` with each key that starts with a prefix of ``renames`` given the new
    prefix instead; a prefix that no key starts with is an error (a misspelling would
    otherwise load nothing, silently)."""
    for old in renames:
        if not any(k.startswith(old) for k in state):
            tops = sorted({'.'.join(k.split('.')[:2]) + '.' for k in state})
            raise CheckpointMismatchError(
                f'load_renames: no key of checkpoint "{source}" starts with "{old}" (its keys start '
                f'with {tops[:SHOWN * 2]}); fix the prefix in load_renames.')

    def new_key(key: str) -> str:
        old = next((o for o in renames if key.startswith(o)), None)
        return key if old is None else renames[old] + key[len(old):]
    return {new_key(k): v for k, v in state.items()}


def load_weights(model: nn.Module, checkpoint, source: str, strict: bool = True,
                 logger: Optional[str] = 'current',
                 renames: Optional[Dict[str, str]] = None) -> Comparison:
    """Load ``checkpoint``'s weights into ``model``; see the module docstring."""
    state = renamed(state_dict_of(checkpoint, source), renames or {}, source)
    comparison = Comparison(model.state_dict(), state)
    if comparison and strict:
        raise CheckpointMismatchError(
            f'Checkpoint "{source}" does not match the model of this config: '
            f'{comparison.describe()}. Likely cause: {comparison.likely_cause()}. Use the '
            f'config the checkpoint was trained with, or {NON_STRICT_FIX}.')
    skipped = {k for k, _, _ in comparison.reshaped}
    model.load_state_dict({k: v for k, v in state.items() if k not in skipped}, strict=False)
    if comparison:
        print_log(f'Non-strict loading of "{source}": left at their initial values or '
                  f'ignored: {comparison.describe()}.', logger=logger, level=logging.WARNING)
    return comparison
