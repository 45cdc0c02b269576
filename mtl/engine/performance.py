"""Speed switches for training on a GPU: mixed precision, channels-last, torch.compile,
cuDNN benchmark, pinned memory with non-blocking copies.

No paper: engine plumbing. Each switch is a command-line flag of ``tools/train.py``
(``add_performance_args``) that sets config keys (``apply_performance_options``), so a
config can also set them itself:

- ``--amp {bf16,fp16}``: ``optim_wrapper.type='AmpOptimWrapper'`` with that dtype on CUDA
  (fp16 with dynamic loss scaling), ``CPUAutocastOptimWrapper`` (bf16 only) on the CPU;
- ``--channels-last``: ``model.data_preprocessor.channels_last=True`` and the
  ``ChannelsLastHook`` (``mtl/engine/channels_last.py``), which converts the model's weights before training;
- ``--compile``: ``compile=True`` (mmengine compiles ``model.train_step`` with
  ``torch.compile``; a dict gives its options);
- ``--cudnn-benchmark``: ``env_cfg.cudnn_benchmark=True``;
- ``--pin-memory``: ``pin_memory=True`` on every dataloader and
  ``model.data_preprocessor.non_blocking=True`` (host-to-device copies overlap compute).
"""
import torch

AMP_DTYPES = {'bf16': 'bfloat16', 'fp16': 'float16'}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def add_performance_args(parser) -> None:
    parser.add_argument('--amp', nargs='?', const='auto', choices=['auto', *sorted(AMP_DTYPES)],
                        help='mixed precision: fp16 (CUDA, loss scaling) or bf16; without a value '
                             'fp16 on CUDA and bf16 on the CPU')
    parser.add_argument('--channels-last', action='store_true',
                        help='channels-last memory format for the images and the weights')
    parser.add_argument('--compile', action='store_true', help='torch.compile the train step')
    parser.add_argument('--cudnn-benchmark', action='store_true',
                        help='let cuDNN pick the fastest convolution algorithms (fixed input sizes)')
    parser.add_argument('--pin-memory', action='store_true',
                        help='pinned dataloader memory and non-blocking copies to the GPU')


def amp_wrapper_cfg(amp: str, device_type: str) -> dict:
    """The optim-wrapper keys for mixed precision ``amp`` ('bf16', 'fp16' or 'auto')."""
    if amp == 'auto':
        amp = 'fp16' if device_type == 'cuda' else 'bf16'
    if amp not in AMP_DTYPES:
        raise ValueError(f'--amp {amp!r}: choose one of {sorted(AMP_DTYPES)}.')
    if device_type != 'cuda':
        if amp != 'bf16':
            raise ValueError(f'--amp {amp}: fp16 autocast needs CUDA; use --amp bf16 on the CPU.')
        return dict(type='CPUAutocastOptimWrapper')
    cfg = dict(type='AmpOptimWrapper', dtype=AMP_DTYPES[amp])
    if amp == 'fp16':
        cfg['loss_scale'] = 'dynamic'
    return cfg


def apply_performance_options(cfg, args) -> None:
    """Set the config keys of the flags in ``add_performance_args`` that ``args`` has on."""
    if args.amp:
        device_type = 'cuda' if torch.cuda.is_available() else 'cpu'
        cfg.optim_wrapper.update(amp_wrapper_cfg(args.amp, device_type))
    if args.channels_last:
        cfg.model.setdefault('data_preprocessor', dict(type='MultiTaskDataPreprocessor'))
        cfg.model.data_preprocessor.channels_last = True
        cfg.custom_hooks = [*(cfg.get('custom_hooks') or []), dict(type='ChannelsLastHook')]
    if args.compile:
        cfg.compile = True
    if args.cudnn_benchmark:
        cfg.setdefault('env_cfg', {})
        cfg.env_cfg.cudnn_benchmark = True
    if args.pin_memory:
        for key in LOADERS:
            if cfg.get(key):
                cfg[key].pin_memory = True
        cfg.model.setdefault('data_preprocessor', dict(type='MultiTaskDataPreprocessor'))
        cfg.model.data_preprocessor.non_blocking = True


def to_channels_last(model: torch.nn.Module) -> torch.nn.Module:
    """Convert the 4-d weights to channels-last (in place; other tensors are unchanged)."""
    return model.to(memory_format=torch.channels_last)


def compile_train_step(model: torch.nn.Module, options: dict) -> None:
    """``torch.compile`` the model's ``train_step``, as mmengine does for ``compile=True``."""
    model.train_step = torch.compile(model.train_step, **options)
