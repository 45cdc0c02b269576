"""FLOPs, parameters and activations per module, through ``mmengine.analysis``.

No paper: accounting. Counted on what inference runs (:class:`ExportModule`: the data
preprocessor, the backbone, the neck, and the branches and heads of the predicted tasks;
auxiliary tasks and deep-supervision heads are left out). One fused multiply-add counts
as one FLOP, as fvcore and mmengine count.
"""
from typing import Sequence, Tuple

import torch

from mmengine.analysis import ActivationAnalyzer, FlopAnalyzer
from mmengine.analysis.print_helper import complexity_stats_table
from torch import nn

from mtl.apis.export import ExportModule, example_input


def model_complexity(model, size: Sequence[int], max_depth: int = 3) -> Tuple[int, int, str]:
    """``(flops, parameters used, table per module down to max_depth)`` for one image of ``size``."""
    img = example_input(size)
    module = ExportModule(model, img)
    flops = FlopAnalyzer(module, (img,))
    flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    activations = ActivationAnalyzer(module, (img,))
    activations.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    table = complexity_stats_table(flops, max_depth=max_depth, activations=activations,
                                   show_param_shapes=False)
    return int(flops.total()), called_parameters(module, img), table


def called_parameters(module: nn.Module, img: torch.Tensor) -> int:
    """Parameters of the modules a forward pass calls (the table's ``#parameters``
    column counts every module, used or not)."""
    called = set()
    handles = [m.register_forward_hook(lambda m, i, o: called.add(m)) for m in module.modules()]
    with torch.no_grad():
        module(img)
    for handle in handles:
        handle.remove()
    unique = {id(p): p for m in called for p in m.parameters(recurse=False)}
    return int(sum(p.numel() for p in unique.values()))
