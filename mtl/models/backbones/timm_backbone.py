"""Backbones from timm (Wightman, PyTorch Image Models), as a shared trunk or per task.

``TimmBackbone`` is a thin wrapper over ``timm.create_model(..., features_only=True)``:
any timm model, ``out_indices``, ``output_stride`` 8/16/32 (dilated last stages, as
PSPNet, MultiDepth and CI-Net use) and ImageNet weights through timm or a local file.
``TimmEncoderBranch`` splits the same feature extractor into stages, so that each task
can own an encoder and cross-stitch units can sit between encoder stages (Misra et al.,
CVPR 2016, one network per task).
"""
import difflib
import os
from typing import List, Optional, Sequence

import timm
import torch
from torch import nn

from mtl.engine.checkpoint import checkpoint_file
from mtl.models.base import Branch
from mtl.registry import MODELS

OFFLINE_HELP = ('Pretrained weights for "{name}" could not be loaded ({error}). Without internet, '
                'download the weights elsewhere (e.g. from https://huggingface.co/timm/) and pass '
                'the local file: backbone=dict(type="TimmBackbone", model_name="{name}", '
                'checkpoint="/path/to/weights.safetensors"), or set pretrained=False.')


def create_feature_extractor(model_name: str, pretrained: bool, checkpoint: Optional[str],
                             out_indices: Sequence[int], output_stride: int,
                             **kwargs) -> nn.Module:
    """``timm.create_model(features_only=True)`` with clear errors for weights problems."""
    if output_stride not in (8, 16, 32):
        raise ValueError(f'output_stride must be 8, 16 or 32, got {output_stride}')
    if not timm.is_model(model_name):  # accepts pretrained tags, e.g. 'resnet50.a1_in1k'
        close = difflib.get_close_matches(model_name.split('.')[0], timm.list_models(), n=8)
        raise ValueError(f'Unknown timm model "{model_name}". Similar names: {close}')
    if checkpoint is not None:  # a path or URL, vetted by the safe loader before timm reads it
        kwargs['pretrained_cfg_overlay'] = dict(file=os.path.abspath(checkpoint_file(checkpoint)))
        pretrained = True
    try:
        return timm.create_model(model_name, pretrained=pretrained, features_only=True,
                                 out_indices=tuple(out_indices), output_stride=output_stride,
                                 **kwargs)
    except (OSError, RuntimeError, ValueError, ConnectionError) as error:
        if not pretrained or checkpoint is not None:
            raise
        raise RuntimeError(OFFLINE_HELP.format(name=model_name, error=error)) from error


@MODELS.register_module()
class TimmBackbone(nn.Module):
    """Multi-scale features ``[B×C_i×H/r_i×W/r_i for i in out_indices]`` from a timm model.

    Args:
        model_name: any timm model name, e.g. ``'resnet50'``, ``'resnet10t'``.
        pretrained: load ImageNet weights through timm (needs internet or timm's cache).
        checkpoint: a weights file or URL instead (timm state dict, ``.pth`` or
            ``.safetensors``); implies ``pretrained``.
        out_indices: which feature levels to return.
        output_stride: 8, 16 or 32; below 32 the last stages are dilated.
    """

    def __init__(self, model_name: str, pretrained: bool = False, checkpoint: Optional[str] = None,
                 out_indices: Sequence[int] = (1, 2, 3, 4), output_stride: int = 32, **timm_kwargs):
        super().__init__()
        self.body = create_feature_extractor(model_name, pretrained, checkpoint, out_indices,
                                             output_stride, **timm_kwargs)
        self.out_channels: List[int] = list(self.body.feature_info.channels())
        self.reductions: List[int] = list(self.body.feature_info.reduction())

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        return list(self.body(x))


def split_into_stages(body: nn.Module) -> List[nn.Sequential]:
    """Cut a sequential timm feature extractor into one stage per returned feature."""
    if not isinstance(body, nn.ModuleDict) or not hasattr(body, 'return_layers'):
        raise TypeError(f'{type(body).__name__} is not a sequential feature extractor; per-task '
                        f'encoder branches need a CNN such as a ResNet, ConvNeXt or EfficientNet.')
    stages, current = [], []
    for name, module in body.items():
        current.append(module)
        if name in body.return_layers:
            stages.append(nn.Sequential(*current))
            current = []
    return stages


@MODELS.register_module()
class TimmEncoderBranch(Branch):
    """A task's own encoder: the stages of a timm feature extractor (Misra et al. 2016).

    Use it with ``backbone=None`` in the model (the branch then receives the normalised
    image) and chain a decoder after it with ``ChainBranch``.
    """

    def __init__(self, model_name: str, in_channels: int = 3, pretrained: bool = False,
                 checkpoint: Optional[str] = None, out_indices: Sequence[int] = (1, 2, 3, 4),
                 output_stride: int = 32, **timm_kwargs):
        super().__init__()
        body = create_feature_extractor(model_name, pretrained, checkpoint, out_indices,
                                        output_stride, in_chans=in_channels, **timm_kwargs)
        self.in_channels = in_channels
        self.stages = nn.ModuleList(split_into_stages(body))
        self.stage_channels = list(body.feature_info.channels())
