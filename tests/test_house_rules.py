"""Guard rails for the shape of the tree (issue 8): docstrings that name their paper,
tools that use public names only, components that meet only in the model and configs."""
import ast
import re
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

from mtl import registry

REPO = Path(__file__).resolve().parents[1]
# A citation carries a year ("Laina et al., 3DV 2016"); a module without a paper says so.
CITATION = re.compile(r'\b(19|20)\d\d\b')
NO_PAPER = re.compile(r'\bno paper\b', re.IGNORECASE)
SIBLING_ROOTS = ('mtl/models', 'mtl/datasets')


def registries() -> List[registry.MTLRegistry]:
    found = [r for r in vars(registry).values() if isinstance(r, registry.MTLRegistry)]
    for reg in found:
        reg.import_from_location()
    return found


def component_modules(regs) -> dict:
    """{module name: [registered names]} of every component registered from ``mtl``."""
    modules = {}
    for reg in regs:
        for name, obj in reg.module_dict.items():
            if obj.__module__.startswith('mtl.'):
                modules.setdefault(obj.__module__, []).append(f'{reg.name}:{name}')
    return modules


def imported_modules(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Absolute names of the modules that ``source`` (the text of ``module``) imports,
    including ``from package import submodule`` names."""
    package = module if is_package else module.rpartition('.')[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parent = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(parent + ([node.module] if node.module else []))
            yield base
            yield from (f'{base}.{alias.name}' for alias in node.names)


def private_imports(source: str) -> List[str]:
    """Imports of a ``_``-prefixed module or name (dunder names such as ``__future__`` and
    ``__version__`` are public)."""
    def private(part: str) -> bool:
        return part.startswith('_') and not (part.startswith('__') and part.endswith('__'))
    return sorted({name for name in imported_modules(source, 'tools.tool')
                   if any(private(part) for part in name.split('.'))})


def test_every_registered_component_module_names_its_paper_or_says_why_none():
    modules = component_modules(registries())
    assert len(modules) >= 30 and 'mtl.models.losses.berhu' in modules
    failing = []
    for name, components in sorted(modules.items()):
        doc = sys.modules[name].__doc__ or ''
        if not (CITATION.search(doc) or NO_PAPER.search(doc)):
            failing.append(f'{name} ({", ".join(components)})')
    assert not failing, ('These modules register components but their docstring neither cites a '
                         'paper (authors, venue, year, equation) nor says "No paper: <why>": '
                         + '; '.join(failing))


def test_the_private_import_check_catches_modules_and_names():
    source = ('import mtl.datasets._legacy\nfrom mtl.datasets.nyud2 import meta\n'
              'from mtl.engine.training_stages import _Stage\nfrom __future__ import annotations\n')
    assert private_imports(source) == ['mtl.datasets._legacy', 'mtl.engine.training_stages._Stage']


@pytest.mark.parametrize('tool', sorted(p.name for p in (REPO / 'tools').glob('*.py')))
def test_tools_import_public_names_only(tool):
    found = private_imports((REPO / 'tools' / tool).read_text())
    assert not found, (f'tools/{tool} imports private names {found}: export what the tool needs '
                       f'under a public name (a module without "_" in the package) instead.')


def test_tools_reach_hooks_through_the_registry_not_their_modules():
    registries()
    hook_modules = {obj.__module__ for obj in registry.HOOKS.module_dict.values()
                    if obj.__module__.startswith('mtl.')}
    assert 'mtl.engine.training_stages' in hook_modules
    for path in sorted((REPO / 'tools').glob('*.py')):
        used = set(imported_modules(path.read_text(), 'tools.tool')) & hook_modules
        assert not used, f'tools/{path.name} imports from the hook module(s) {sorted(used)}'


def sibling_violations(root: str) -> List[str]:
    base = REPO / root
    prefix = root.replace('/', '.') + '.'
    kinds = {p.name for p in base.iterdir() if (p / '__init__.py').is_file()}
    found = []
    for kind in sorted(kinds):
        for path in sorted((base / kind).rglob('*.py')):
            module = '.'.join(path.relative_to(REPO).with_suffix('').parts)
            is_package = path.name == '__init__.py'
            for name in imported_modules(path.read_text(), module, is_package):
                other = name[len(prefix):].split('.')[0] if name.startswith(prefix) else None
                if other in kinds and other != kind:
                    found.append(f'{path.relative_to(REPO)} imports {name}')
    return found


@pytest.mark.parametrize('root', SIBLING_ROOTS)
def test_components_never_import_across_sibling_packages(root):
    found = sibling_violations(root)
    assert not found, ('Sibling packages meet only in MultiTaskModel and in configs; move what '
                       'they share to a common module: ' + '; '.join(sorted(set(found))))


def test_a_model_component_never_imports_another_components_module():
    modules = component_modules(registries())
    models = {obj.__module__ for obj in registry.MODELS.module_dict.values()
              if obj.__module__.startswith('mtl.')}
    found = []
    for name in sorted(models):
        source = Path(sys.modules[name].__file__).read_text()
        for other in set(imported_modules(source, name)) & set(modules) - {name}:
            found.append(f'{name} imports {other}')
    assert not found, ('Shared helpers go in a functional module (e.g. '
                       'mtl/models/losses/functional.py), not in another component\'s file: '
                       + '; '.join(found))
