"""Writes docs/api.md, the API reference, from the docstrings: ``python docs/make_api_reference.py``.

Every public module of ``mtl`` (private ``_*`` modules, the command-line tools and
``__main__`` left out) with its docstring, and its public classes and functions defined
there with their signatures and docstrings; registered components are marked with their
registry. Re-run it after changing docstrings.
"""
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mtl  # noqa: E402
from mtl import registry  # noqa: E402

SKIP = ('mtl.tools', 'mtl.__main__')


def registries() -> dict:
    """``{class: registry name}`` for every class registered in mtl's registries."""
    found = {}
    for value in vars(registry).values():
        if isinstance(value, registry.MTLRegistry):
            value.import_from_location()
            found.update({cls: value.name for cls in value.module_dict.values()})
    return found


def public_modules():
    for info in pkgutil.walk_packages(mtl.__path__, prefix='mtl.'):
        parts = info.name.split('.')
        if any(p.startswith('_') for p in parts) or info.name.startswith(SKIP):
            continue
        yield importlib.import_module(info.name)


def document(obj, heading: str, registered: dict) -> list:
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        signature = ''
    tag = f' (registered in `{registered[obj]}`)' if obj in registered else ''
    lines = [f'{heading} `{obj.__name__}{signature}`{tag}', '']
    doc = inspect.getdoc(obj)
    if doc:
        lines += [doc, '']
    return lines


def module_section(module, registered: dict) -> list:
    lines = [f'## `{module.__name__}`', '']
    if module.__doc__:
        lines += [inspect.cleandoc(module.__doc__), '']
    for name, obj in vars(module).items():
        own = getattr(obj, '__module__', None) == module.__name__
        if name.startswith('_') or not own or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        lines += document(obj, '###', registered)
    return lines


def main(out: Path = ROOT / 'docs' / 'api.md') -> None:
    registered = registries()
    lines = ['# API reference', '',
             'Generated from the docstrings by `python docs/make_api_reference.py`; do not edit.', '']
    for module in sorted(public_modules(), key=lambda m: m.__name__):
        lines += module_section(module, registered)
    Path(out).write_text('\n'.join(lines))
    print(f'{out}: {sum(1 for line in lines if line.startswith("## "))} modules')


if __name__ == '__main__':
    main()
