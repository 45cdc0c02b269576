"""Small building blocks shared by components of different kinds (decoders and
interactions may both use them; components never import each other). No paper: plain
layers, each named after the work that introduced it.
"""
from timm.layers import SEModule
from timm.models.resnet import BasicBlock
from torch import nn


def basic_block(in_channels: int, out_channels: int) -> BasicBlock:
    """A ResNet basic residual block (He et al., CVPR 2016): two 3×3 conv–BN, ReLU, with
    a 1×1 conv–BN projection on the shortcut when the width changes."""
    shortcut = None
    if in_channels != out_channels:
        shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                 nn.BatchNorm2d(out_channels))
    return BasicBlock(in_channels, out_channels, downsample=shortcut)


def squeeze_excitation(channels: int, reduction: int = 16) -> SEModule:
    """Squeeze-and-excitation (Hu et al., CVPR 2018): x · σ(W₂ ReLU(W₁ avgpool(x))), the
    hidden width ``channels // reduction`` (at least 1)."""
    return SEModule(channels, rd_channels=max(1, channels // reduction))
