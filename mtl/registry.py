"""Registries of the ``mtl`` scope.

Every registry is a child of the matching mmengine root registry, so that a config
with ``default_scope = 'mtl'`` finds our components first and mmengine's (optimizers,
hooks, loops, ...) through the parent. Components are imported lazily through
``locations`` on the first lookup: no ``register_all_modules()`` call is needed.

All ``nn.Module`` components (backbones, decoders, interactions, heads, losses,
combiners) live in ``MODELS``: a parent registry never searches its children, so a
separate child per component kind would break ``MODELS.build``.
"""
import difflib
from typing import List, Optional, Type

from mmengine import registry as mme

_LOCATIONS = {
    'model': ['mtl.models'],
    'dataset': ['mtl.datasets'],
    'transform': ['mtl.datasets.transforms'],
    'metric': ['mtl.evaluation'],
    'hook': ['mtl.engine'],
    'function': ['mtl.datasets'],
    'optim_wrapper': ['mtl.engine'],
    'optimizer wrapper constructor': ['mtl.engine'],
    'loop': ['mtl.engine'],
    'parameter scheduler': ['mtl.engine'],
    'visualizer': ['mtl.visualization'],
    'vis_backend': ['mtl.visualization'],
}


class MTLRegistry(mme.Registry):
    """A registry whose failed lookups name the closest registered names, and which
    imports installed plugin packages (entry-point group ``mtl.plugins``) before its
    first lookup."""

    def import_from_location(self) -> None:
        super().import_from_location()
        from mtl.utils.plugins import load_plugins
        load_plugins()

    def get(self, key: str) -> Optional[Type]:
        obj = super().get(key)
        if obj is None:
            raise KeyError(self._unknown_message(key))
        return obj

    def _all_names(self) -> List[str]:
        names, registry = set(), self
        while registry is not None:
            names.update(registry.module_dict)
            registry = registry.parent
        return sorted(names)

    def _unknown_message(self, key: str) -> str:
        names = self._all_names()
        close = difflib.get_close_matches(key.split('.')[-1], names, n=5, cutoff=0.5)
        hint = (f'Closest registered names: {", ".join(close)}.' if close else
                f'Registered names: {", ".join(names)}.')
        return (f'"{key}" is not registered in the mtl "{self.name}" registry. {hint} '
                f'A component from another package must be imported first: add its module '
                f'to `custom_imports` in the config, or give its full dotted path as `type`.')


def _child(parent: mme.Registry) -> MTLRegistry:
    return MTLRegistry(parent.name, parent=parent, scope='mtl',
                       locations=_LOCATIONS.get(parent.name, []))


RUNNERS = _child(mme.RUNNERS)
RUNNER_CONSTRUCTORS = _child(mme.RUNNER_CONSTRUCTORS)
LOOPS = _child(mme.LOOPS)
HOOKS = _child(mme.HOOKS)
STRATEGIES = _child(mme.STRATEGIES)
DATASETS = _child(mme.DATASETS)
DATA_SAMPLERS = _child(mme.DATA_SAMPLERS)
TRANSFORMS = _child(mme.TRANSFORMS)
MODELS = _child(mme.MODELS)
MODEL_WRAPPERS = _child(mme.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child(mme.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child(mme.OPTIMIZERS)
OPTIM_WRAPPERS = _child(mme.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(mme.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(mme.PARAM_SCHEDULERS)
METRICS = _child(mme.METRICS)
EVALUATOR = _child(mme.EVALUATOR)
TASK_UTILS = _child(mme.TASK_UTILS)
VISUALIZERS = _child(mme.VISUALIZERS)
VISBACKENDS = _child(mme.VISBACKENDS)
LOG_PROCESSORS = _child(mme.LOG_PROCESSORS)
INFERENCERS = _child(mme.INFERENCERS)
FUNCTIONS = _child(mme.FUNCTIONS)
