"""Look at what the model is trained on: ``python tools/browse_dataset.py CONFIG --out-dir DIR``.

Builds the config's dataset of ``--split`` (train: with its augmentation pipeline and
derived targets) and writes, per sample, a panel of the input and every target it holds,
drawn as the result panels draw them (colour bar in metres, palette and legend, normals
as RGB, contours as overlays).
"""
import argparse
from pathlib import Path

from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope
from PIL import Image

from mtl.engine.runner_utils import CONFIG_HELP
from mtl.registry import DATASETS
from mtl.structures import TARGET_SPECS
from mtl.visualization.panels import PanelStyle, sample_panel
from mtl.utils.configs import find_config
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file, e.g. configs/hps_synthrooms.py')
    parser.add_argument('--split', choices=['train', 'val', 'test'], default='train')
    parser.add_argument('--num', type=int, default=8, help='how many samples')
    parser.add_argument('--out-dir', default='browse')
    parser.add_argument('--per-image-range', action='store_true',
                        help='colour depth over each image\'s own range, not the dataset\'s')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CONFIG_HELP)
    return parser.parse_args()


def target_panel(sample: dict, style: PanelStyle):
    """The input and every declared target of one (transformed) sample."""
    found = {k: v.numpy() for k, v in sample.items() if k in TARGET_SPECS}
    if not found:
        raise KeyError(f'The sample has no declared target (keys: {sorted(sample)}).')
    img = sample['img'].permute(1, 2, 0).numpy()
    name = str(sample.get('meta', {}).get('sample_id', ''))
    return sample_panel(img, found, {}, {k: k for k in found}, style, name, 'target')


def main():
    args = parse_args()
    cfg = Config.fromfile(find_config(args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mtl')):
        dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    style = PanelStyle(getattr(dataset, 'metainfo', None), args.per_image_range)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for index in range(min(args.num, len(dataset))):
        Image.fromarray(target_panel(dataset[index], style)).save(out_dir / f'{index:05d}.png')
    print(f'{min(args.num, len(dataset))} sample(s) of the {args.split} split -> {out_dir}')


if __name__ == '__main__':
    run_tool(main)
