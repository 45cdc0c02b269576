"""Export a checkpoint for deployment: ``python tools/export.py CONFIG CHECKPOINT --out model.onnx``.

ONNX (``.onnx``, needs ``pip install mtl[export]``) with dynamic batch size and image size
unless ``--static``, or TorchScript (``.pt``). The graph takes RGB floats in [0, 255]
(B×3×H×W) and returns one output per predicted task (see mtl/apis/export.py).
"""
import argparse
from pathlib import Path

from mtl.apis import export_onnx, export_torchscript, init_model
from mtl.engine.runner_utils import add_model_args
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_args(parser)
    parser.add_argument('--out', required=True, help='output file: .onnx or .pt (TorchScript)')
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'), required=True,
                        help='example input size the graph is traced with')
    parser.add_argument('--static', action='store_true',
                        help='fix the image size in the ONNX graph (batch stays dynamic)')
    return parser.parse_args()


def main():
    args = parse_args()
    model = init_model(args.config, args.checkpoint, 'cpu', args.cfg_options,
                       not args.non_strict)
    suffix = Path(args.out).suffix
    if suffix == '.onnx':
        names = export_onnx(model, args.out, args.size, dynamic=not args.static)
    elif suffix == '.pt':
        names = export_torchscript(model, args.out, args.size)
    else:
        raise ValueError(f'--out must end in .onnx or .pt, got "{args.out}"')
    print(f'{args.out}: input "img" (B×3×H×W, RGB in [0, 255]) -> outputs {names}')


if __name__ == '__main__':
    run_tool(main)
