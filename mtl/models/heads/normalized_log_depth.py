"""Depth regression in MultiDepth's normalised log space (Liebel & Körner 2019, Eq. 2, Sec. 2.2).

The head predicts d_log = ln(d − d_min + 1) / ln(d_max − d_min + 1) directly (a linear
output, trained with a sparse MSE against the ``depth_nlog`` target of the
``DepthToNormalizedLog`` transform built with the same bounds); :meth:`predict` inverts
Eq. 2 to metres: d = exp(d_log · ln(d_max − d_min + 1)) + d_min − 1. Before inverting,
d_log is clipped to [0, 1], so predicted depths lie in [d_min, d_max] — the range the
paper normalises to (the released code clips its training depths to it) — which also
keeps the exponential finite.
"""
import torch
from torch import nn

from mtl.models.base import ConvHead
from mtl.registry import MODELS
from mtl.utils.depth_space import from_normalized_log, normalized_log_depth

@MODELS.register_module()
class NormalizedLogDepthHead(ConvHead):
    """One channel of normalised log depth; :meth:`predict` gives metres.

    Args:
        in_channels: filled by the model.
        d_min, d_max: the bounds of Eq. 2 (MultiDepth on KITTI: 2 m and 125 m); no default,
            since they depend on the dataset (the paper config states them once).
        init_depth: metres; the last convolution's bias starts at its d_log.
        kernel_size: of the last convolution (1 for PSPNet's 1×1 output layer).
        hidden_channels: optional 3×3 conv–BN–ReLU before it.
    """
    default_target = 'depth_nlog'

    def __init__(self, in_channels: int, *, d_min: float, d_max: float,
                 init_depth: float = 10.0, kernel_size: int = 3, hidden_channels: int = 0):
        super().__init__(in_channels, 1, hidden_channels)
        if not 0 <= d_min < d_max:
            raise ValueError(f'need 0 <= d_min < d_max, got d_min={d_min}, d_max={d_max}')
        if not d_min <= init_depth <= d_max:
            raise ValueError(f'init_depth must lie in [d_min, d_max] = [{d_min}, {d_max}], '
                             f'got {init_depth}')
        if kernel_size != 3:
            self.conv[-1] = nn.Conv2d(self.last_conv.in_channels, 1, kernel_size,
                                      padding=kernel_size // 2)
        self.d_min, self.d_max = float(d_min), float(d_max)
        with torch.no_grad():
            self.last_conv.bias.fill_(float(normalized_log_depth(
                torch.tensor(float(init_depth)), self.d_min, self.d_max)))

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Metric depth B×1×H×W in [d_min, d_max]."""
        return from_normalized_log(output.clamp(0.0, 1.0), self.d_min, self.d_max)
