"""Run a trained model on your own images: ``python tools/infer.py CONFIG CKPT IMG [IMG ...]``.

Writes, per image, colourised PNGs of every prediction (depth, segmentation, normals,
contours) and, with ``--save-npy``, the raw arrays (depth in metres, labels, unit normals)
to ``--out-dir``. Images are resized to ``--size H W`` (default: the size the model was
trained at, read from the config's test dataset) and predictions are resized back. Colours
(palette, depth range) come from the dataset meta stored in the checkpoint, so no dataset
is needed.
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image
from torch.nn import functional as F

import mtl.engine  # noqa: F401  (safe checkpoint loading)
from mtl.datasets.image_io import read_rgb
from mtl.engine.checkpoint import load_checkpoint
from mtl.engine.weights import load_weights
from mtl.registry import MODELS
from mtl.utils.cli import run_tool
from mtl.visualization.colormaps import render_map


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument('images', nargs='+', help='image files (any format PIL reads; 16-bit, '
                                                  'grayscale and palette images are converted)')
    parser.add_argument('--out-dir', default='predictions')
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'),
                        help='network input size (default: from the config)')
    parser.add_argument('--save-npy', action='store_true', help='also save raw arrays as .npy')
    parser.add_argument('--non-strict', action='store_true',
                        help='load a checkpoint that does not fully match the model (only the '
                             'matching weights; the rest is listed)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


def input_size(cfg: Config, override):
    if override:
        return tuple(override)
    size = cfg.get('test_dataloader', {}).get('dataset', {}).get('img_size')
    if size is None:
        raise ValueError('The config does not say the input size; pass --size H W')
    return tuple(size)


def load_image(path: Path, size) -> tuple:
    rgb = read_rgb(path)
    img = torch.from_numpy(rgb).permute(2, 0, 1)[None].float()
    img = F.interpolate(img, size=size, mode='bilinear', align_corners=False, antialias=True)
    return img.round().clamp(0, 255).to(torch.uint8), rgb.shape[:2]


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    DefaultScope.get_instance('infer', scope_name=cfg.get('default_scope', 'mtl'))
    model = MODELS.build(cfg.model)
    checkpoint = load_checkpoint(args.checkpoint, map_location='cpu')
    load_weights(model, checkpoint, args.checkpoint, strict=not args.non_strict)
    dataset_meta = (checkpoint.get('meta') or {}).get('dataset_meta') or cfg.get('metainfo')
    model.to(args.device).eval()
    size, out_dir = input_size(cfg, args.size), Path(args.out_dir)
    images = {path: load_image(path, size) for path in map(Path, args.images)}  # all read first
    out_dir.mkdir(parents=True, exist_ok=True)
    for path, (img, original) in images.items():
        data = model.data_preprocessor({'img': img, 'meta': [{'sample_id': path.stem}]})
        with torch.no_grad():
            outputs, _ = model.forward_outputs(data['inputs'], predicting=True)
        for task, output in outputs.items():
            head = model.heads[task]
            prediction = head.predict(head.resize(output, original))[0].cpu().numpy()
            Image.fromarray(render_map(task, prediction, dataset_meta)).save(
                out_dir / f'{path.stem}_{task}.png')
            if args.save_npy:
                np.save(out_dir / f'{path.stem}_{task}.npy', prediction)
        print(f'{path} -> {out_dir}/{path.stem}_*.png')


if __name__ == '__main__':
    run_tool(main)
