"""Attention maps of named layers as heat-map overlays (Jiao et al., ECCV 2018, Fig. 5):
``python tools/visualize_attention.py CONFIG CHECKPOINT --out-dir DIR``.

For each of the first ``--num-images`` images of the config's test (or val) set, writes
``<out-dir>/<sample_id>_attention.png``: the input image, then one overlay per layer of
A(T) = Σ_c |T_c| (supplement Eq. 1), red = high. Layers are module names of the model
(``--list-layers`` prints them); by default the paper's three: the first up-conv layer of
the depth branch, the shared backbone's bottleneck, and the semantic branch near the
bottleneck (its ``conv2``).
"""
import argparse
import os
import os.path as osp

import torch
from PIL import Image

import mtl.engine  # noqa: F401  (safe checkpoint loading)
from mtl.datasets.collate import mtl_collate
from mtl.engine.checkpoint import load_checkpoint
from mtl.engine.runner_utils import add_common_args, load_config
from mtl.engine.weights import load_weights
from mtl.registry import DATASETS, MODELS
from mtl.utils.cli import run_tool
from mtl.visualization.attention import attention_overlays, record_outputs

PAPER_LAYERS = ('branches.depth.decoder.stages.1', 'backbone', 'branches.seg.decoder.stages.0')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_common_args(parser)
    parser.add_argument('checkpoint', nargs='?', help='trained weights (required unless --list-layers)')
    parser.add_argument('--out-dir', default='work_dirs/attention', help='where the PNGs go')
    parser.add_argument('--layers', nargs='+', help=f'module names (default: {PAPER_LAYERS})')
    parser.add_argument('--num-images', type=int, default=8)
    parser.add_argument('--split', choices=['test', 'val'], default='test',
                        help='which dataloader of the config supplies the images')
    parser.add_argument('--alpha', type=float, default=0.5, help='heat-map opacity')
    parser.add_argument('--list-layers', action='store_true', help='print module names and exit')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    model = MODELS.build(cfg.model)
    names = [n for n, _ in model.named_modules() if n]
    if args.list_layers:
        print('\n'.join(names))
        return
    if not args.checkpoint or not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'CHECKPOINT "{args.checkpoint}" is not a file: pass the '
                                f'weights to visualise after the config (e.g. '
                                f'work_dirs/<config>/iter_300.pth).')
    layers = args.layers or [n for n in PAPER_LAYERS if n in names]
    if not layers:
        raise ValueError('None of the default layers exists in this model: pass --layers '
                         '(see --list-layers).')
    load_weights(model, load_checkpoint(args.checkpoint, map_location='cpu'), args.checkpoint,
                 strict=not args.non_strict)
    model.eval()
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader']['dataset'])
    os.makedirs(args.out_dir, exist_ok=True)
    for start in range(0, min(args.num_images, len(dataset)), 4):
        samples = [dataset[i] for i in range(start, min(start + 4, args.num_images, len(dataset)))]
        batch = mtl_collate(samples)
        inputs = model.data_preprocessor(batch, False)['inputs']
        with torch.no_grad(), record_outputs(model, layers) as outputs:
            model(inputs, mode='tensor')
        strips = attention_overlays(batch['img'], {n: outputs[n] for n in layers}, args.alpha)
        for sample, strip in zip(samples, strips):
            name = str(sample.get('meta', {}).get('sample_id', start)).replace('/', '_')
            Image.fromarray(strip).save(osp.join(args.out_dir, f'{name}_attention.png'))
    print(f'Wrote attention overlays of {layers} to {args.out_dir}')


if __name__ == '__main__':
    run_tool(main)
