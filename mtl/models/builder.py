"""Building components from config with wiring arguments and errors that name the key."""
import inspect
from typing import Set

from mtl.registry import MODELS


class ConfigError(ValueError):
    """A model configuration mistake, reported with the config key it concerns."""


def accepted_kwargs(cls: type) -> Set[str]:
    """The keyword names a class's constructor declares. Wiring is passed only under
    declared names, never through ``**kwargs`` (which often forwards to a library)."""
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def build_component(cfg: dict, key: str, **wiring):
    """``MODELS.build(cfg)`` plus the ``wiring`` arguments the component accepts.

    A wiring value that the config also sets must agree with it (a channel mismatch is
    reported here), and any error while building names ``key``.
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ConfigError(f'{key}: expected a dict with a "type", got {cfg!r}')
    cfg = dict(cfg)
    try:
        cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
    except KeyError as error:
        raise ConfigError(f'{key}.type: {error.args[0]}') from None
    names = accepted_kwargs(cls)
    for name, value in wiring.items():
        if name not in names:
            continue
        if name in cfg and cfg[name] != value:
            raise ConfigError(f'{key}.{name} is {cfg[name]!r}, but the model provides {value!r} '
                              f'here (channel mismatch?). Remove {key}.{name} or fix the '
                              f'component before it.')
        cfg[name] = value
    try:
        return MODELS.build(cfg)
    except ConfigError:
        raise
    except (TypeError, ValueError, KeyError) as error:
        message = error.args[0] if error.args else repr(error)
        raise ConfigError(f'{key}: {message}') from error
