"""Export a trained model to ONNX and TorchScript for deployment.

No paper: this is plumbing. The exported graph takes an RGB image batch ``B×3×H×W`` as
floats in [0, 255] (no normalisation needed: the model's data preprocessor is inside the
graph) and returns one tensor per predicted (non-auxiliary) task, named after the task,
at the input resolution, exactly as the heads' ``forward`` gives them: depth in metres,
class logits (take the arg-max for labels), unit normals, contour logits (apply the
sigmoid for probabilities). Auxiliary tasks and deep-supervision heads are not exported.
Flip averaging is left to the caller (run the mirrored image and merge), as the graph
stays one forward pass.
"""
import warnings
from typing import List, Sequence, Tuple

import torch
from torch import nn


class ExportModule(nn.Module):
    """Wraps a :class:`MultiTaskModel` as ``image -> (prediction per task, ...)``."""

    def __init__(self, model: nn.Module, example: torch.Tensor):
        super().__init__()
        self.model = model
        # eval here, not only on the model: the exporters restore the wrapper's mode
        # afterwards, and a wrapper left in training mode would switch BatchNorm back
        self.eval()
        with torch.no_grad():
            self.output_names: List[str] = list(self._outputs(example))

    def _outputs(self, img: torch.Tensor):
        inputs = self.model.data_preprocessor({'img': img})['inputs']
        return self.model.forward_outputs(inputs, predicting=True)[0]

    def forward(self, img: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outputs = self._outputs(img)
        return tuple(outputs[name] for name in self.output_names)


def example_input(size: Sequence[int], batch_size: int = 1) -> torch.Tensor:
    """A deterministic image batch in [0, 255] of the given ``(H, W)``."""
    generator = torch.Generator().manual_seed(0)
    return torch.rand(batch_size, 3, *size, generator=generator) * 255


def export_onnx(model: nn.Module, path: str, size: Sequence[int], dynamic: bool = True,
                opset: int = 17) -> List[str]:
    """Write ``path`` (ONNX) and return the output names (the predicted tasks).

    With ``dynamic`` the batch size, height and width are symbolic; the model must then
    not bake the example's size into the graph (the test runs a second size to check).
    Uses torch's TorchScript-based exporter (``dynamo=False``), which needs no extra
    package beyond ``onnx``.
    """
    example = example_input(size)
    module = ExportModule(model, example)
    axes = {0: 'batch', 2: 'height', 3: 'width'} if dynamic else {0: 'batch'}
    dynamic_axes = {'img': axes, **{name: axes for name in module.output_names}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(module, (example,), path, input_names=['img'],
                          output_names=module.output_names, dynamic_axes=dynamic_axes,
                          opset_version=opset, dynamo=False)
    return module.output_names


def export_torchscript(model: nn.Module, path: str, size: Sequence[int]) -> List[str]:
    """Trace the model to ``path`` (TorchScript); returns the output names."""
    example = example_input(size)
    module = ExportModule(model, example)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        traced = torch.jit.trace(module, (example,), check_trace=False)
    traced.save(path)
    return module.output_names
