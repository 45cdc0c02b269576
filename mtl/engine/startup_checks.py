"""Checks at start-up, so that a mistake fails before training rather than during it.

No paper; engineering. :func:`check_config` runs before the runner builds anything:
unknown keys in hook, optimizer, optimizer-wrapper and dataloader configs (checked against
the constructor's signature, with the closest valid names; a hook taking ``**kwargs`` is
built once to check them itself, as ``MTLCheckpointHook`` does), ``max_iters``/``max_epochs``
of 0 and a learning rate of 0. :func:`check_train_data` runs once the training dataloader
exists: an empty training split, or one with fewer samples than a batch with
``drop_last``, would make mmengine's infinite sampler spin forever.
"""
import difflib
import inspect
from typing import Callable, Iterable, Optional, Tuple

from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch.utils.data import DataLoader

from mtl.registry import HOOKS, OPTIM_WRAPPERS, OPTIMIZERS

# keys mmengine's Runner.build_dataloader takes itself before calling DataLoader(**rest)
DATALOADER_OWN_KEYS = {'dataset', 'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn',
                       'num_batch_per_epoch', 'disable_subprocess_warning'}
def named_parameters(function: Callable) -> Tuple[set, bool]:
    """Keyword names ``function`` declares, and whether it also takes ``**kwargs``."""
    parameters = inspect.signature(function).parameters.values()
    names = {p.name for p in parameters if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    return names - {'self'}, any(p.kind == p.VAR_KEYWORD for p in parameters)


def class_keys(cls: type) -> Optional[set]:
    """Keys a config of ``cls`` may hold; None when it takes ``**kwargs``."""
    keys, open_ended = named_parameters(cls.__init__)
    return None if open_ended else keys


def check_keys(given: Iterable[str], valid: Optional[set], where: str, ignore=()) -> None:
    if valid is None:
        return
    for key in sorted(set(given) - valid - {'type', *ignore}):
        close = difflib.get_close_matches(key, sorted(valid), n=3)
        hint = f'did you mean {close}?' if close else f'valid keys: {sorted(valid)}'
        raise KeyError(f'{where}.{key} is not an argument of its class: {hint} (misspelled keys '
                       f'would otherwise fail only later, or be ignored).')


def check_component(cfg: Optional[dict], registry, where: str, ignore=(),
                    build_open_ended: bool = False) -> None:
    """Check ``cfg``'s keys against its class; a class taking ``**kwargs`` is, with
    ``build_open_ended``, built once so that it can check its extra arguments itself."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get('type'), str):
        return
    cls = registry.get(cfg['type'])
    if cls is None or not inspect.isclass(cls):
        return
    keys = class_keys(cls)
    if keys is not None:
        check_keys(cfg, keys, where, ignore)
    elif build_open_ended:
        cls(**{k: v for k, v in cfg.items() if k not in ('type', *ignore)})


def check_schedule(cfg: Config) -> None:
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_iters', 'max_epochs'):
        value = train_cfg.get(key)
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ValueError(f'train_cfg.{key} is {value!r}: it must be a positive integer '
                             f'(training would do nothing).')
    optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer') or {}
    lr = optimizer.get('lr')
    if lr is not None and (not isinstance(lr, (int, float)) or not lr > 0):
        raise ValueError(f'optim_wrapper.optimizer.lr is {lr!r}: it must be a positive number '
                         f'(with lr=0 nothing is learned).')


def check_config(cfg: Config) -> None:
    """See the module docstring; raises KeyError/ValueError naming the config key."""
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mtl')):
        for name, hook in (cfg.get('default_hooks') or {}).items():
            check_component(hook, HOOKS, f'default_hooks.{name}', build_open_ended=True)
        for index, hook in enumerate(cfg.get('custom_hooks') or []):
            check_component(hook, HOOKS, f'custom_hooks[{index}]', ignore={'priority'},
                            build_open_ended=True)
        wrapper = cfg.get('optim_wrapper') or {}
        check_component(wrapper, OPTIM_WRAPPERS, 'optim_wrapper',
                        ignore={'optimizer', 'paramwise_cfg', 'constructor'})
        check_component(wrapper.get('optimizer'), OPTIMIZERS, 'optim_wrapper.optimizer')
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if isinstance(loader, dict):
            check_keys(loader, named_parameters(DataLoader.__init__)[0] | DATALOADER_OWN_KEYS,
                       f'{split}_dataloader')
    check_schedule(cfg)


def check_train_data(dataloader) -> None:
    """An empty training split, or a sampler with nothing to draw, fails here."""
    if not isinstance(dataloader, DataLoader):
        return
    dataset = dataloader.dataset
    name = type(dataset).__name__
    if len(dataset) == 0:
        raise ValueError(f'The training split is empty: {name} found no samples (check '
                         f'train_dataloader.dataset: data_root, the split file or index list). '
                         f'Training would wait forever for a first batch.')
    if len(dataloader) == 0:
        raise ValueError(f'train_dataloader draws no batch: {name} has {len(dataset)} samples, '
                         f'fewer than batch_size={dataloader.batch_size} with drop_last=True. '
                         f'Lower train_dataloader.batch_size or set drop_last=False.')
