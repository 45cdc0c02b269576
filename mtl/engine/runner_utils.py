"""Helpers shared by the command-line tools: one set of argument names for all of them."""
import json
import math
import os
import os.path as osp
from typing import Dict, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

from mtl.utils.configs import find_config

CONFIG_HELP = 'override config entries, e.g. train_cfg.max_iters=100 model.backbone.pretrained=False'


def add_common_args(parser, checkpoint: bool = False) -> None:
    """The arguments of the tools that run mmengine's Runner (train, test); with
    ``checkpoint`` a positional CHECKPOINT after CONFIG, as in mmsegmentation."""
    parser.add_argument('config', help='config file, e.g. configs/hps_synthrooms.py')
    if checkpoint:
        parser.add_argument('checkpoint', help='checkpoint file to evaluate')
    parser.add_argument('--work-dir', help='where logs, checkpoints and metrics go '
                                           '(default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CONFIG_HELP)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
                        help='job launcher for distributed runs')


def add_model_args(parser) -> None:
    """``CONFIG CHECKPOINT`` (positional, as in mmsegmentation), ``--cfg-options``, ``--device``:
    the arguments of every tool that runs a trained model."""
    parser.add_argument('config', help='config file, e.g. configs/hps_synthrooms.py')
    parser.add_argument('checkpoint', help='checkpoint file (or URL)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CONFIG_HELP)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')


def load_config(args) -> Config:
    cfg = Config.fromfile(find_config(args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join('work_dirs', name)
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(cfg)
    return cfg


def init_cpu_distributed(cfg: Config) -> None:
    """CPU data parallelism with gloo: mmengine's own initialisation assumes CUDA
    (``torch.cuda.set_device``, ``device_ids=[local_rank]``), so we start the process
    group ourselves and wrap the model without device ids."""
    if cfg.launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ.get('SLURM_PROCID', '0'))
        os.environ.setdefault('WORLD_SIZE', os.environ.get('SLURM_NTASKS', '1'))
        os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.update(type='MMDistributedDataParallel', device_ids=None)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def format_metrics(metrics: Dict[str, float]) -> str:
    """A two-column table, grouped by metric prefix."""
    width = max((len(k) for k in metrics), default=10)
    lines, group = [f'{"metric":<{width}}  value', '-' * (width + 12)], None
    for key in sorted(metrics, key=lambda k: (k.split('/')[0], k)):
        if group is not None and key.split('/')[0] != group:
            lines.append('')
        group = key.split('/')[0]
        value = metrics[key]
        text = f'{value:.4f}' if isinstance(value, float) and math.isfinite(value) else str(value)
        lines.append(f'{key:<{width}}  {text}')
    return '\n'.join(lines)


def save_metrics(metrics: Dict[str, float], path: str, extra: Optional[dict] = None) -> str:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    payload = dict(metrics=metrics, **(extra or {}))
    with open(path, 'w') as f:
        json.dump(payload, f, indent=2, default=float)
    return path
