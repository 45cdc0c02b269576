"""High-level entry points: inference and export."""
from .export import export_onnx, export_torchscript
from .inference import inference_model, init_model, read_image, test_pipeline

__all__ = ['init_model', 'inference_model', 'read_image', 'test_pipeline', 'export_onnx',
           'export_torchscript']
