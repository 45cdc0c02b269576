"""Attention maps A(T) = Σ_c |T_c| (Jiao et al., supplement Eq. 1) and the overlay tool."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import jiao_fixtures as jf
from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.registry import MODELS
from mtl.visualization.attention import (attention_map, attention_overlays, normalise, overlay,
                                         record_outputs)

ROOT = Path(__file__).resolve().parents[1]


def test_attention_map_by_hand():
    t = torch.tensor([[[1.0, -2.0]], [[-3.0, 0.5]]])[None]  # (1, C=2, 1, 2)
    assert attention_map(t).tolist() == [[[4.0, 2.5]]]
    assert normalise(attention_map(t)).tolist() == [[[1.0, 0.0]]]
    assert normalise(torch.ones(1, 2, 2)).sum() == 0  # a constant map
    with pytest.raises(ValueError, match='B×C×H×W'):
        attention_map(torch.ones(2, 2))


def test_overlay_blends_a_heat_map():
    image = np.full((1, 2, 3), 100, np.uint8)
    att = np.array([[0.0, 1.0]])
    assert np.array_equal(overlay(image, att, alpha=0.0), image)
    heat = overlay(image, att, alpha=1.0)
    # jet: red where the attention is high, blue where it is low
    assert heat[0, 1, 0] > heat[0, 1, 2] and heat[0, 0, 2] > heat[0, 0, 0]
    with pytest.raises(ValueError, match='sizes differ'):
        overlay(image, np.zeros((2, 2)))


def test_recorded_layers_give_one_strip_per_image():
    model = MODELS.build(jf.model_cfg()).eval()
    images = torch.stack([jf.make_sample(i)['img'] for i in range(2)])
    layers = ['branches.depth.decoder.stages.1', 'backbone']
    with record_outputs(model, layers) as outputs:
        model(model.data_preprocessor({'img': images}, False)['inputs'])
    assert outputs['branches.depth.decoder.stages.1'].shape == (2, 8, 2, 2)
    assert outputs['backbone'].shape == (2, 96, 1, 1)  # the last level of the feature list
    strips = attention_overlays(images, outputs)
    assert len(strips) == 2 and strips[0].shape == (32, 96, 3) and strips[0].dtype == np.uint8
    assert np.array_equal(strips[1][:, :32], images[1].permute(1, 2, 0).numpy())
    with pytest.raises(KeyError, match='No module named'):
        with record_outputs(model, ['branches.normals']):
            pass


def test_visualize_attention_tool(tmp_path, monkeypatch):
    cfg = ROOT / 'configs' / 'jiao_synthrooms.py'
    options = ['model.backbone.model_name=test_resnet', 'test_dataloader.dataset.num_samples=2']
    spec = importlib.util.spec_from_file_location('visualize_attention',
                                                  ROOT / 'tools' / 'visualize_attention.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    from mmengine.config import Config
    config = Config.fromfile(str(cfg))
    config.merge_from_dict({'model.backbone.model_name': 'test_resnet'})
    torch.save({'state_dict': MODELS.build(config.model).state_dict()}, tmp_path / 'w.pth')
    monkeypatch.setattr(sys, 'argv', ['visualize_attention.py', str(cfg),
                                      str(tmp_path / 'w.pth'), '--out-dir', str(tmp_path / 'att'),
                                      '--num-images', '2', '--work-dir', str(tmp_path),
                                      '--cfg-options', *options])
    tool.main()
    pngs = sorted((tmp_path / 'att').glob('*_attention.png'))
    assert len(pngs) == 2
    assert Image.open(pngs[0]).size == (4 * 128, 96)  # input + the paper's three layers
