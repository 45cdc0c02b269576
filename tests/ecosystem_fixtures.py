"""Tiny versions of the shipped configs and checkpoints written as ``tools/train.py``
writes them (weights, the config text and the dataset's metainfo), for the API, export
and visualisation tests."""
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mtl.registry import DATASETS, MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
TINY_SIZE = (32, 48)


def tiny_config(name: str) -> Config:
    """``configs/<name>`` with a timm resnet10t backbone, thin decoders and 32×48 images."""
    cfg = Config.fromfile(str(CONFIGS / name))
    cfg.model.backbone.update(model_name='resnet10t', pretrained=False)
    for task in cfg.model.tasks.values():
        decoder = task.branch.get('decoder', task.branch)
        decoder.channels = tuple(min(c, 16) for c in decoder.channels)
    if 'img_size' in cfg.test_dataloader.dataset:
        cfg.test_dataloader.dataset.img_size = TINY_SIZE
    return cfg


def tiny_model(cfg: Config) -> torch.nn.Module:
    with DefaultScope.overwrite_default_scope('mtl'):
        return MODELS.build(cfg.model).eval()


def write_checkpoint(cfg: Config, model: torch.nn.Module, path: Path, dataset_meta: dict) -> Path:
    """What mmengine's ``Runner.save_checkpoint`` stores that inference needs."""
    torch.save(dict(meta=dict(cfg=cfg.pretty_text, dataset_meta=dataset_meta),
                    state_dict=model.state_dict()), path)
    return path


def synthrooms_meta(num_classes: int) -> dict:
    with DefaultScope.overwrite_default_scope('mtl'):
        dataset = DATASETS.build(dict(type='SynthRoomsDataset', split='test', img_size=TINY_SIZE,
                                      num_classes=num_classes, num_samples=1))
    return dict(dataset.metainfo)
