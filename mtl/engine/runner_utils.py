"""Helpers shared by the command-line tools: one set of argument names for all of them."""
import json
import math
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

import mtl
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
    parser.add_argument('--non-strict', action='store_true',
                        help='load a checkpoint that does not fully match the model: only the '
                             'matching weights are loaded, the rest is listed (load_strict=False)')


# keys that Runner.from_cfg and mtl read from the top level of a config
RUNNER_KEYS = {'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
               'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper',
               'param_scheduler', 'val_evaluator', 'test_evaluator', 'default_hooks',
               'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher', 'env_cfg',
               'log_processor', 'log_level', 'visualizer', 'default_scope', 'randomness',
               'experiment_name', 'runner_type', 'load_strict', 'load_renames', 'model_wrapper_cfg',
               'find_unused_parameters', 'vis_backends', 'custom_imports'}


KIND_NAMES = {int: 'an integer', float: 'a number', str: 'a string', bool: 'True or False',
              list: 'a list [..]', tuple: 'a tuple (..)', dict: 'a dict'}


def check_cfg_options(cfg: Config, options: dict) -> None:
    """An override must reach something the runner reads and keep the type of the value it
    replaces; otherwise the run would silently ignore it or fail late without the key."""
    for key, value in options.items():
        top = key.split('.')[0]
        if '.' not in key and top in cfg and top not in RUNNER_KEYS \
                and not isinstance(cfg[top], dict):
            raise KeyError(f'--cfg-options {key}={value!r}: "{top}" is a variable of the config '
                           f'file, already used when the file was read, so setting it changes '
                           f'nothing. Override the entries that use it (e.g. train_cfg.{top}).')
        try:
            old = cfg
            for part in key.split('.'):
                old = old[int(part)] if isinstance(old, (list, tuple)) else old[part]
        except (KeyError, IndexError, ValueError, TypeError):
            continue  # a new key: the component's own signature check will judge it
        numbers = (int, float)
        same = (old is None or value is None or type(old) is type(value)
                or (isinstance(old, numbers) and isinstance(value, numbers)
                    and not isinstance(value, bool)))
        if not same:
            kind = KIND_NAMES.get(type(old), type(old).__name__)
            raise TypeError(f'--cfg-options {key}={value!r}: the config has {old!r} there; give '
                            f'{kind} (e.g. {key}={old!r}).')


def read_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """The config at ``path`` (or a packaged config's name) with the ``--cfg-options``
    overrides merged in."""
    cfg = Config.fromfile(find_config(path))
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg


def add_model_args(parser) -> None:
    """``CONFIG CHECKPOINT`` (positional, as in mmsegmentation), ``--cfg-options``, ``--device``:
    the arguments of every tool that runs a trained model."""
    parser.add_argument('config', help='config file, e.g. configs/hps_synthrooms.py')
    parser.add_argument('checkpoint', help='checkpoint file (or URL)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CONFIG_HELP)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--non-strict', action='store_true',
                        help='load a checkpoint that does not fully match the model: only the '
                             'matching weights are loaded, the rest is listed')


def load_config(args) -> Config:
    cfg = read_config(args.config, args.cfg_options)
    if args.non_strict:
        cfg.load_strict = False
    name = osp.splitext(osp.basename(args.config))[0]
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join('work_dirs', name)
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(cfg)
    return cfg


def build_runner(cfg: Config):
    """The config's ``runner_type`` (``MTLRunner`` unless it names another), from the
    registry, so that strict loading, atomic saves and the start-up checks apply."""
    from mtl.registry import RUNNERS
    runner_type = cfg.setdefault('runner_type', 'MTLRunner')
    runner_class = RUNNERS.get(runner_type)
    if runner_class is None:
        raise KeyError(f'runner_type "{runner_type}" is not a registered runner.')
    return runner_class.from_cfg(cfg)


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


def run_training(cfg: Config, work_dir: str, label: str) -> Dict[str, float]:
    """Train ``cfg`` and test its final weights (``mtl train``) in a child process with its
    own log, and return the test metrics. A work dir already holding ``metrics.json`` is a
    finished run: its metrics are returned and nothing is trained (delete it to rerun)."""
    done = osp.join(work_dir, 'metrics.json')
    if osp.isfile(done):
        print(f'{label}: done before, reusing {done}', flush=True)
        return read_metrics(done)
    os.makedirs(work_dir, exist_ok=True)
    config, log = osp.join(work_dir, 'config.py'), osp.join(work_dir, 'train.log')
    cfg.dump(config)
    package_root = osp.dirname(osp.dirname(osp.abspath(mtl.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [package_root, os.environ.get('PYTHONPATH')])))
    print(f'{label}: training, log in {log}', flush=True)
    start = time.time()
    with open(log, 'w') as f:
        code = subprocess.call([sys.executable, '-m', 'mtl', 'train', config, '--work-dir', work_dir],
                               stdout=f, stderr=subprocess.STDOUT, env=env)
    if code or not osp.isfile(done):
        with open(log) as f:
            tail = ''.join(f.readlines()[-15:])
        raise RuntimeError(f'{label}: training failed (exit code {code}); the end of {log}:\n{tail}')
    print(f'{label}: done in {time.time() - start:.0f} s', flush=True)
    return read_metrics(done)


def read_metrics(path: str) -> Dict[str, float]:
    """The metrics of a ``save_metrics`` file."""
    with open(path) as f:
        metrics = json.load(f).get('metrics')
    if not isinstance(metrics, dict):
        raise ValueError(f'{path} has no "metrics" dict: not a metrics file of tools/train.py or '
                         f'tools/test.py')
    return metrics
