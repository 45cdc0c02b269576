"""Attention-guided message passing between task features, the common arithmetic of
PAD-Net's distillation modules B and C (Xu et al., CVPR 2018, §3.4, Eqs. 1–3) and of
MTI-Net's multi-modal distillation at every scale (Vandenhende et al., ECCV 2020, §3.1,
which takes PAD-Net's attention mechanism)::

    F^{o,k} = F^k + Σ_{t≠k} G_{t→k} ⊙ (W_{t→k} ⊗ F^t)

for every receiving task k, over the source tasks t. The gate G_{t→k} is

- ``'none'``:     1 (PAD-Net module B, Eq. 1);
- ``'receiver'``: σ(W_g^k ⊗ F^k), one gate per receiving task (PAD-Net module C, Eq. 2);
- ``'source'``:   σ(W_g^{t→k} ⊗ F^t), one gate per ordered pair, made from the message's
  own source (MTI-Net: F^o_k = F_k + Σ_{l≠k} σ(W_{k,l} F_l) ⊙ (W'_{k,l} F_l)).

``W_{t→k}`` is one 3×3 convolution per ordered pair (``per_pair=True``: keys
``'<t>_to_<k>'``) or one per source shared by the receivers (PAD-Net's Eq. 3 writes W_t:
keys ``'<t>'``); gates are 3×3 convolutions too. Widths may differ between tasks: a
message and its gate map C_t channels to C_k.
"""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

GATES = ('none', 'receiver', 'source')


def pair_key(source: str, receiver: str) -> str:
    return f'{source}_to_{receiver}'


class MessagePassing(nn.Module):
    """Holds the message convolutions ``messages`` and gates ``gates`` (see the module
    docstring). A module either subclasses it and calls :meth:`build_messages` in its
    constructor, or uses :func:`message_passing` for a standalone instance."""

    def build_messages(self, receivers: Sequence[str], widths: Mapping[str, int], gate: str,
                       per_pair: bool, bias: bool = True) -> None:
        """``receivers`` get messages from every other task of ``widths`` (``{task: C}``
        of every task whose features take part)."""
        if gate not in GATES:
            raise ValueError(f'gate must be one of {GATES}, got "{gate}"')
        missing = [k for k in receivers if k not in widths]
        if missing:
            raise ValueError(f'receiving tasks {missing} need their own features F^k, but only '
                             f'{list(widths)} are given')
        self.receivers, self.widths, self.gate, self.per_pair = list(receivers), dict(widths), gate, per_pair
        pairs = [(t, k) for k in self.receivers for t in self.widths if t != k]

        def conv(source: str, receiver: str) -> nn.Conv2d:
            return nn.Conv2d(self.widths[source], self.widths[receiver], 3, padding=1, bias=bias)

        if per_pair:
            self.messages = nn.ModuleDict({pair_key(t, k): conv(t, k) for t, k in pairs})
        else:
            widths_of = {self.widths[k] for k in self.receivers}
            if len(widths_of) > 1:
                raise ValueError(f'one message per source, shared by the receivers, needs equal '
                                 f'receiver widths, got {[self.widths[k] for k in self.receivers]}')
            senders = [t for t in self.widths if any(t != k for k in self.receivers)]
            self.messages = nn.ModuleDict({t: conv(t, self.receivers[0]) for t in senders})
        if gate == 'receiver':
            self.gates = nn.ModuleDict({k: conv(k, k) for k in self.receivers})
        elif gate == 'source':
            self.gates = nn.ModuleDict({pair_key(t, k): conv(t, k) for t, k in pairs})
        else:
            self.gates = nn.ModuleDict()

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return self.pass_messages(features)

    def pass_messages(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """``{k: F^{o,k}}`` for the receivers, from ``{t: F^t}`` of every task."""
        if set(features) != set(self.widths):
            raise KeyError(f'{type(self).__name__} expects the features of {list(self.widths)}, '
                           f'got {sorted(features)}')
        shared = {} if self.per_pair else {t: conv(features[t]) for t, conv in self.messages.items()}
        out = {}
        for k in self.receivers:
            receiver_gate = torch.sigmoid(self.gates[k](features[k])) if self.gate == 'receiver' else None
            out[k] = features[k]
            for t in self.widths:
                if t == k:
                    continue
                key = pair_key(t, k)
                message = self.messages[key](features[t]) if self.per_pair else shared[t]
                if self.gate == 'source':
                    message = torch.sigmoid(self.gates[key](features[t])) * message
                elif receiver_gate is not None:
                    message = receiver_gate * message
                out[k] = out[k] + message
        return out


def message_passing(receivers: Sequence[str], widths: Mapping[str, int], gate: str,
                    per_pair: bool, bias: bool = True) -> MessagePassing:
    """A standalone :class:`MessagePassing` (e.g. one per scale)."""
    module = MessagePassing()
    module.build_messages(receivers, widths, gate, per_pair, bias)
    return module
