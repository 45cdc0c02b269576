"""Training curves as PNG: ``python tools/analyze_logs.py WORK_DIR [WORK_DIR ...] --keys loss depth/abs_rel``.

Each key gets a subplot and each work directory a line (its folder name, or ``--legend``).
Without ``--keys`` the logged keys are listed.
"""
import argparse
from pathlib import Path

from PIL import Image

from mtl.visualization.curves import plot_curves, read_scalars
from mtl.utils.cli import run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dirs', nargs='+', help='work directories of tools/train.py')
    parser.add_argument('--keys', nargs='+', help='logged keys, e.g. loss seg.ce depth/abs_rel')
    parser.add_argument('--legend', nargs='+', help='one name per work directory')
    parser.add_argument('--out', default='curves.png')
    return parser.parse_args()


def main():
    args = parse_args()
    names = args.legend or [Path(d).name for d in args.work_dirs]
    if len(names) != len(args.work_dirs):
        raise ValueError(f'--legend gives {len(names)} names for {len(args.work_dirs)} work dirs')
    runs = {name: read_scalars(d) for name, d in zip(names, args.work_dirs)}
    if not args.keys:
        for name, series in runs.items():
            print(f'{name}: {", ".join(sorted(series))}')
        return
    Image.fromarray(plot_curves(runs, args.keys)).save(args.out)
    print(f'{args.out}: {", ".join(args.keys)} for {", ".join(names)}')


if __name__ == '__main__':
    run_tool(main)
