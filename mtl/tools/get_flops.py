"""FLOPs and parameters per module: ``python tools/get_flops.py CONFIG --size H W``.

Counts what inference runs (the predicted tasks; auxiliary branches excluded) for one
image of H×W, with ``mmengine.analysis``; ``--depth`` sets how deep the table goes.
"""
import argparse

from mmengine.config import Config, DictAction

from mtl.apis import init_model
from mtl.apis.complexity import model_complexity
from mtl.engine.runner_utils import CONFIG_HELP
from mtl.utils.configs import find_config
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file, e.g. configs/hps_synthrooms.py')
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'), required=True)
    parser.add_argument('--depth', type=int, default=3, help='module depth of the table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CONFIG_HELP)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = Config.fromfile(find_config(args.config))
    if cfg.model.get('backbone'):
        cfg.model.backbone.pretrained = False  # the count needs no weights
    model = init_model(cfg, None, 'cpu', args.cfg_options)
    flops, params, table = model_complexity(model, args.size, args.depth)
    print(table)
    print(f'input 3×{args.size[0]}×{args.size[1]}: {flops / 1e9:.3f} GFLOPs, '
          f'{params / 1e6:.3f} M parameters (predicted tasks only)')


if __name__ == '__main__':
    run_tool(main)
