"""ONNX and TorchScript export: onnxruntime and the traced module give the PyTorch
model's outputs (within 1e-4) for the main job, the Jiao flagship and MTAN (tiny backbone), on
the export size and on another batch size and image size (dynamic axes)."""
import numpy as np
import onnxruntime as ort
import pytest
import torch

from ecosystem_fixtures import TINY_SIZE, tiny_config, tiny_model
from mtl.apis import export_onnx, export_torchscript
from mtl.apis.export import ExportModule, example_input

CONFIGS = ('hps_synthrooms.py', 'jiao_nyud2_40c.py', 'mtan_synthrooms.py')  # MTAN: backbone:path reads


def reference(model, img):
    with torch.no_grad():
        inputs = model.data_preprocessor({'img': img})['inputs']
        return model.forward_outputs(inputs, predicting=True)[0]


@pytest.mark.parametrize('name', CONFIGS)
def test_onnx_matches_pytorch_with_dynamic_shapes(name, tmp_path):
    model = tiny_model(tiny_config(name))
    path = str(tmp_path / 'model.onnx')
    names = export_onnx(model, path, TINY_SIZE)
    assert names == ['depth', 'seg']  # predicted tasks only, named after them
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for batch, size in ((1, TINY_SIZE), (2, (64, 80))):
        img = torch.rand(batch, 3, *size) * 255
        got = session.run(None, {'img': img.numpy()})
        expected = reference(model, img)
        for task, value in zip(names, got):
            assert value.shape == tuple(expected[task].shape)
            np.testing.assert_allclose(value, expected[task].numpy(), atol=1e-4, rtol=0)


def test_auxiliary_tasks_are_not_exported():
    cfg = tiny_config('hps_synthrooms.py')
    cfg.model.tasks.seg.auxiliary = True
    module = ExportModule(tiny_model(cfg), example_input(TINY_SIZE))
    assert module.output_names == ['depth']


def test_torchscript_matches_pytorch(tmp_path):
    model = tiny_model(tiny_config('hps_synthrooms.py'))
    path = str(tmp_path / 'model.pt')
    names = export_torchscript(model, path, TINY_SIZE)
    traced = torch.jit.load(path)
    img = torch.rand(1, 3, *TINY_SIZE) * 255
    expected = reference(model, img)
    for task, value in zip(names, traced(img)):
        torch.testing.assert_close(value, expected[task], atol=1e-4, rtol=0)
