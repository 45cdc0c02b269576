"""Scene understanding module, SUM (CI-Net, Gao et al., Applied Intelligence 2022, Sec. 3.2,
Eqs. 1-4, Fig. 2).

A self-attention block on the encoder's last feature X (B×C×H×W, N = H·W pixels)::

    Q, K, V = conv1x1_q(X), conv1x1_k(X), conv1x1_v(X)     # N×C_k, N×C_k, N×C
    Ã = σ(Q Kᵀ)                                             # Eq. 1, N×N
    Y = Ã V + X                                             # Eq. 2

supervised by the attention loss (Eq. 4, ``AttentionLoss``) against the ideal affinity
A = M Mᵀ of the semantic labels downsampled to H×W by nearest neighbour (Eq. 3). The module
is a neck: it replaces the feature at ``in_index`` of the backbone's list and keeps the
others. Declare its label input in the config, ``inputs=dict(labels='target:<key>')``: in
``loss`` mode it receives the batch's label map and returns ``(features, {'attention': L_att})``
(named ``neck.attention``); without labels it returns the features only.

Mode ``attention`` (switched by a training stage, §4.2):

- ``'predicted'`` (default): Y = Ã V + X;
- ``'ground_truth'``: Y = A V + X with the ideal affinity of the batch's labels (teacher
  forcing, CI-Net's first training stage). In eval mode without labels (validation,
  testing) the module uses its own Ã: at inference there is no ground truth. In training
  mode without labels it raises (a forgotten ``inputs`` would otherwise silently train on Ã).

Readings:

- Eq. 2 sums over all N pixels, a sum of thousands of terms at 1/8 resolution (N = 4800 for
  a 480×640 image). ``normalize=True`` (default) divides Ã V (or A V) by N — a constant
  factor that V's weights could absorb, so the model class is the paper's, but the output
  scale no longer depends on the image size and the switch between Ã and A keeps it.
  ``normalize=False`` is Eq. 2 as written.
- C_k (``key_channels``) is not given in the paper; the default C/8 is the non-local /
  DANet choice. V keeps X's channels, as the residual sum in Eq. 2 requires.
- Ignored pixels have all-zero rows of M, so A V gets nothing from them.

Memory: with ``chunk_size`` the N×N map is formed ``chunk_size`` rows at a time
(Y's rows ``σ(Q_b Kᵀ) V``); with ``checkpoint=True`` each block is recomputed in the backward
pass instead of being kept, so training holds O(chunk_size · N) of the map instead of
O(N²). The attention loss chunks the same way (its own ``chunk_size``, defaulting to this
module's).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint as checkpointed

from mtl.models.base import AuxiliaryLosses, Switchable
from mtl.models.builder import build_component
from mtl.registry import MODELS
from mtl.structures import IGNORE_INDEX
from mtl.utils.label_affinity import ideal_affinity, resize_labels

ATTENTION_MODES = ('predicted', 'ground_truth')


def attend_block(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                 rows: Optional[torch.Tensor], cols: Optional[torch.Tensor],
                 ignore_index: int) -> torch.Tensor:
    """Rows of ``attention @ value`` (B×n×C): σ(query keyᵀ), or the ideal affinity of the
    labels ``rows`` (B×n) and ``cols`` (B×N) when they are given."""
    if rows is None:
        attention = torch.sigmoid(query @ key.transpose(1, 2))  # (B, n, N)
    else:
        attention = ideal_affinity(rows, cols, ignore_index, dtype=value.dtype)[0]
    return attention @ value


@MODELS.register_module()
class SceneUnderstandingModule(Switchable, AuxiliaryLosses, nn.Module):
    """See the module docstring.

    Args:
        in_channels: channels of the backbone's features (given by the model).
        in_index: which feature of the list the module attends over (default the last).
        key_channels: C_k of Q and K (default C/8, at least 1).
        normalize: divide Ã V by N (see the module docstring).
        chunk_size: rows of the N×N map per block, or ``None`` for the whole map.
        checkpoint: recompute each block in the backward pass (needs ``chunk_size``).
        attention_loss: config of the loss on Ã (default ``AttentionLoss``); ``None`` for none.
        ignore_index: the label of unlabelled pixels.
    """
    modes = {'attention': ATTENTION_MODES}

    def __init__(self, in_channels: Sequence[int], in_index: int = -1,
                 key_channels: Optional[int] = None, normalize: bool = True,
                 chunk_size: Optional[int] = None, checkpoint: bool = False,
                 attention_loss: Optional[dict] = dict(type='AttentionLoss'),
                 ignore_index: int = IGNORE_INDEX):
        super().__init__()
        self.in_channels = list(in_channels)
        if not -len(self.in_channels) <= in_index < len(self.in_channels):
            raise ValueError(f'in_index={in_index}, but there are {len(self.in_channels)} '
                             f'feature levels')
        if checkpoint and chunk_size is None:
            raise ValueError('checkpoint=True recomputes row blocks: set chunk_size as well')
        channels = self.in_channels[in_index]
        key_channels = key_channels or max(1, channels // 8)
        self.query = nn.Conv2d(channels, key_channels, 1)
        self.key = nn.Conv2d(channels, key_channels, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.in_index, self.normalize, self.ignore_index = in_index, normalize, ignore_index
        self.chunk_size, self.checkpoint = chunk_size, checkpoint
        if attention_loss is not None:
            attention_loss = dict(attention_loss)
            attention_loss.setdefault('chunk_size', chunk_size)
            attention_loss.setdefault('ignore_index', ignore_index)
            self.attention_loss = build_component(attention_loss, 'model.neck.attention_loss')
        else:
            self.attention_loss = None

    @property
    def out_channels(self) -> List[int]:
        return list(self.in_channels)

    def auxiliary_loss_names(self) -> Tuple[str, ...]:
        return ('attention',) if self.attention_loss is not None else ()

    def attend(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
               labels: Optional[torch.Tensor]) -> torch.Tensor:
        """``attention @ value`` (B×N×C) in row blocks; the ideal affinity when ``labels``."""
        n = query.shape[1]
        step = self.chunk_size or n
        recompute = self.checkpoint and step < n and torch.is_grad_enabled()
        blocks = []
        for start in range(0, n, step):
            rows = labels[:, start:start + step] if labels is not None else None
            args = (query[:, start:start + step], key, value, rows, labels, self.ignore_index)
            blocks.append(checkpointed(attend_block, *args, use_reentrant=False)
                          if recompute else attend_block(*args))
        return torch.cat(blocks, dim=1)

    def forward(self, features: List[torch.Tensor], labels: Optional[torch.Tensor] = None
                ) -> Union[List[torch.Tensor], Tuple[List[torch.Tensor], Dict[str, torch.Tensor]]]:
        x = features[self.in_index]
        b, c, h, w = x.shape
        query = self.query(x).flatten(2).transpose(1, 2)  # (B, N, C_k)
        key = self.key(x).flatten(2).transpose(1, 2)      # (B, N, C_k)
        value = self.value(x).flatten(2).transpose(1, 2)  # (B, N, C)
        flat_labels = resize_labels(labels, (h, w)).flatten(1) if labels is not None else None
        teacher = flat_labels if self.get_mode('attention') == 'ground_truth' else None
        if self.training and teacher is None and self.get_mode('attention') == 'ground_truth':
            raise ValueError('SceneUnderstandingModule is in mode attention="ground_truth" for '
                             'training but received no labels: declare them in the config, '
                             "model.neck.inputs=dict(labels='target:<label key>'), and train on "
                             'batches that carry them.')
        context = self.attend(query, key, value, teacher)
        if self.normalize:
            context = context / (h * w)
        out = list(features)
        out[self.in_index] = context.transpose(1, 2).reshape(b, c, h, w) + x
        if flat_labels is None or self.attention_loss is None:
            return out
        return out, {'attention': self.attention_loss(query, key, flat_labels)}
