"""Plugin packages that register through the ``mtl.plugins`` entry-point group.

No paper: packaging. A third-party package declares, in its ``setup.py``::

    entry_points={'mtl.plugins': ['my_plugin = my_package']}

and installing it is enough: the first registry lookup imports every module named in the
group, whose ``@MODELS.register_module()`` decorators then run. ``custom_imports`` in a
config keeps working for packages that do not declare the entry point.
"""
from importlib.metadata import entry_points

GROUP = 'mtl.plugins'
_loaded = False


def load_plugins() -> None:
    """Import every ``mtl.plugins`` entry point once; a plugin that fails to import is
    reported with its name and distribution."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for point in entry_points(group=GROUP):
        try:
            point.load()
        except Exception as error:
            package = point.dist.name if point.dist else 'unknown distribution'
            raise ImportError(f'mtl plugin "{point.name}" ({point.value}, installed by '
                              f'{package}) failed to import: {error!r}. Fix or uninstall '
                              f'that package.') from error
