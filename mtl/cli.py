"""The ``mtl`` command: ``mtl <command> [args]``, one sub-command per tool.

``mtl train CONFIG``, ``mtl test CONFIG CHECKPOINT``, ``mtl infer CONFIG CHECKPOINT
IMAGES``, ``mtl export ...``; ``mtl <command> --help`` gives each tool's options and
``mtl configs`` lists the configs that ship with the package (a CONFIG may be given by
name, e.g. ``hps_synthrooms``). In a checkout, ``python tools/<tool>.py`` is the same.
"""
import importlib
import sys
from typing import List, Optional

from mtl.utils.cli import run_tool
from mtl.utils.configs import list_configs

#: sub-command -> module in mtl.tools
COMMANDS = {
    'train': 'train', 'test': 'test', 'infer': 'infer', 'export': 'export',
    'get-flops': 'get_flops', 'analyze-logs': 'analyze_logs', 'browse-dataset': 'browse_dataset',
    'benchmark': 'benchmark', 'lr-finder': 'lr_finder', 'mean-depth-baseline': 'mean_depth_baseline',
    'prepare-nyud2': 'prepare_nyud2', 'visualize-attention': 'visualize_attention',
    'gpu-report': 'gpu_report', 'baselines': 'baselines',
    'compare-combiners': 'compare_combiners',
}


def usage() -> str:
    names = ', '.join(['configs', *COMMANDS])
    return f'usage: mtl <command> [args]  (commands: {names}; mtl <command> --help)'


def main(argv: Optional[List[str]] = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip() + '\n\n' + usage())
        return
    command, rest = argv[0], argv[1:]
    if command == 'configs':
        print('\n'.join(list_configs()))
        return
    if command not in COMMANDS:
        raise SystemExit(f'mtl: unknown command "{command}". {usage()}')
    tool = importlib.import_module(f'mtl.tools.{COMMANDS[command]}')
    sys.argv = [f'mtl-{command}', *rest]
    run_tool(tool.main)


if __name__ == '__main__':
    main()
