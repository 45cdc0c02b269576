"""Predict on your own images: ``python tools/infer.py CONFIG CHECKPOINT INPUT [INPUT ...]``.

INPUT may be image files, folders (every image inside) or glob patterns. Predictions go
through ``mtl.apis.inference_model``, so preprocessing, resizing and flip averaging are
those of ``tools/test.py``. Writes, per image, ``<name>_panel.png`` (input and every
prediction, with colour bars and legends), with ``--save-npy`` the raw arrays (depth in
metres, class ids, unit normals, contour probabilities), and with ``--ply`` a coloured
point cloud of each depth-like prediction (needs ``--intrinsics`` or the dataset's).
"""
import argparse
import glob
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from mtl.apis import inference_model, init_model, read_image
from mtl.engine.runner_utils import add_model_args
from mtl.structures import target_spec
from mtl.visualization.panels import PanelStyle, sample_panel
from mtl.visualization.pointcloud import depth_to_ply, intrinsics_matrix
from mtl.utils.cli import run_tool

IMAGE_SUFFIXES = {'.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.ppm'}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_args(parser)
    parser.add_argument('inputs', nargs='+', help='image files, folders or glob patterns')
    parser.add_argument('--out-dir', default='predictions')
    parser.add_argument('--save-npy', action='store_true', help='also save raw arrays as .npy')
    parser.add_argument('--ply', action='store_true', help='also write coloured point clouds')
    parser.add_argument('--intrinsics', type=float, nargs=4, metavar=('FX', 'FY', 'CX', 'CY'),
                        help='camera intrinsics in pixels of the input images (for --ply)')
    parser.add_argument('--per-image-range', action='store_true',
                        help='colour depth over each image\'s own range, not the dataset\'s')
    return parser.parse_args()


def expand_inputs(inputs) -> list:
    """Files, the images inside folders, and glob matches, in order, without repeats."""
    paths = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            paths += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            paths.append(path)
        else:
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True))
            if not matches:
                raise FileNotFoundError(f'"{item}" is neither a file, a folder nor a glob '
                                        f'pattern that matches anything.')
            paths += [p for p in matches if p.is_file()]
    return list(dict.fromkeys(paths))


def main():
    args = parse_args()
    model = init_model(args.config, args.checkpoint, args.device, args.cfg_options,
                       not args.non_strict)
    paths, out_dir = expand_inputs(args.inputs), Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    style = PanelStyle(model.dataset_meta, args.per_image_range)
    targets = model.task_targets()
    intrinsics = intrinsics_matrix(*args.intrinsics) if args.intrinsics else None
    if args.ply and intrinsics is None:
        raise ValueError('--ply needs the camera: pass --intrinsics FX FY CX CY (pixels of '
                         'the input images).')
    for path in tqdm(paths, desc='infer', unit='img'):
        rgb, prediction = read_image(path), inference_model(model, path)
        Image.fromarray(sample_panel(rgb, prediction, {}, targets, style, path.name)).save(
            out_dir / f'{path.stem}_panel.png')
        for task, value in prediction.items():
            if args.save_npy:
                np.save(out_dir / f'{path.stem}_{task}.npy', value)
            if args.ply and target_spec(targets[task]).kind == 'depth':
                depth_to_ply(out_dir / f'{path.stem}_{task}.ply', value, intrinsics, rgb)
    print(f'{len(paths)} image(s) -> {out_dir}')


if __name__ == '__main__':
    run_tool(main)
