"""Find a config by path or by name, also after a plain (non-editable) ``pip install``.

No paper: packaging. ``setup.py`` copies ``configs/`` into the package as
``mtl/.mim/configs`` (the layout OpenMMLab's ``mim`` uses), so ``mtl train
hps_synthrooms`` works from any directory; in a checkout the repository's ``configs/``
is used. The configs' ``_base_`` paths are relative, so they resolve inside either tree.
"""
from pathlib import Path
from typing import List

import mtl

PACKAGED = Path(mtl.__file__).resolve().parent / '.mim' / 'configs'
CHECKOUT = Path(mtl.__file__).resolve().parents[1] / 'configs'


def config_roots() -> List[Path]:
    """Where named configs are looked up: the installed copy, then a checkout's."""
    return [root for root in (PACKAGED, CHECKOUT) if root.is_dir()]


def find_config(name: str) -> str:
    """A path that exists as given, else ``name`` (with or without ``configs/`` and
    ``.py``) inside :func:`config_roots`."""
    if Path(name).is_file():
        return str(name)
    relative = Path(name[len('configs/'):] if name.startswith('configs/') else name)
    relative = relative if relative.suffix == '.py' else relative.with_suffix('.py')
    for root in config_roots():
        if (root / relative).is_file():
            return str(root / relative)
    raise FileNotFoundError(f'Config file "{name}" does not exist, and no packaged config has '
                            f'that name (`mtl configs` lists them).')


def list_configs() -> List[str]:
    """Names of the top-level configs (``_base_`` fragments left out)."""
    names = set()
    for root in config_roots():
        names |= {str(p.relative_to(root).with_suffix('')) for p in root.rglob('*.py')
                  if '_base_' not in p.parts and not p.name.startswith('_')}
    return sorted(names)
