"""Building components from config with wiring arguments and errors that name the key."""
import inspect
from typing import Optional, Set

from mtl.registry import MODELS


class ConfigError(ValueError):
    """A model configuration mistake, reported with the config key it concerns.

    ``key``: the key the message starts with, when :func:`build_component` raised it; a
    component that builds its own sub-components gives their keys relative to itself, and
    each enclosing :func:`build_component` prefixes its own key, so that the message names
    the full path (``model.tasks.depth.branch.suc.type``).
    """

    def __init__(self, message: str, key: Optional[str] = None):
        super().__init__(message)
        self.key = key


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
        raise ConfigError(f'{key}: expected a dict with a "type", got {cfg!r}', key)
    cfg = dict(cfg)
    try:
        cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
    except KeyError as error:
        raise ConfigError(f'{key}.type: {error.args[0]}', key) from None
    names = accepted_kwargs(cls)
    for name, value in wiring.items():
        if name not in names:
            continue
        if name in cfg and cfg[name] != value:
            raise ConfigError(f'{key}.{name} is {cfg[name]!r}, but the model provides {value!r} '
                              f'here (channel mismatch?). Remove {key}.{name} or fix the '
                              f'component before it.', key)
        cfg[name] = value
    try:
        return MODELS.build(cfg)
    except ConfigError as error:
        if error.key is None:
            raise ConfigError(f'{key}: {error}', key) from error
        raise ConfigError(f'{key}.{error}', f'{key}.{error.key}') from error
    except (TypeError, ValueError, KeyError) as error:
        message = error.args[0] if error.args else repr(error)
        raise ConfigError(f'{key}: {message}', key) from error
