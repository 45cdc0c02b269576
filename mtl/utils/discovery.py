"""Import every module of a package, so that each file's registrations take effect.

A new component is one file and one ``@REGISTRY.register_module()``: no ``__init__``
edit is needed, because each component package calls :func:`import_submodules`.
"""
import importlib
import pkgutil


def import_submodules(package_name: str) -> None:
    """Import all modules and sub-packages below ``package_name`` (depth first)."""
    package = importlib.import_module(package_name)
    for info in pkgutil.iter_modules(package.__path__, prefix=package_name + '.'):
        if info.name.rsplit('.', 1)[-1].startswith('_'):
            continue
        importlib.import_module(info.name)
