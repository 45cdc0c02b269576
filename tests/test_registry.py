"""The mtl registries: children of mmengine's roots, close-name errors, default scope."""
import logging

import pytest
import torch
from mmengine import registry as mme
from mmengine.logging import MMLogger

import mtl.registry as mtl_registry
from mtl.models.losses.berhu import BerHuLoss

OURS = {name: r for name, r in vars(mtl_registry).items() if isinstance(r, mme.Registry)}
ROOTS = {name: r for name, r in vars(mme).items() if isinstance(r, mme.Registry)}


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def mmengine_log():
    """Messages that mmengine's current logger receives during the test."""
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_every_mmengine_root_has_an_mtl_child_of_the_same_name():
    assert set(OURS) == set(ROOTS)
    for name, registry in OURS.items():
        assert registry.parent is ROOTS[name], name
        assert registry.name == ROOTS[name].name
        assert registry.scope == 'mtl'
        assert ROOTS[name].children['mtl'] is registry


def test_unknown_type_lists_close_names():
    with pytest.raises(KeyError, match='BerHuLos.*Closest registered names: .*BerHuLoss'):
        mtl_registry.MODELS.build(dict(type='BerHuLos'))


def test_full_dotted_path_builds_the_class():
    loss = mtl_registry.MODELS.build(dict(type='mtl.models.losses.berhu.BerHuLoss', threshold=0.3))
    assert type(loss) is BerHuLoss and loss.threshold == 0.3


def test_root_registry_finds_our_components_under_default_scope_mtl():
    with mme.DefaultScope.overwrite_default_scope('mtl'):  # a DefaultScope instance, restored after
        assert mme.DefaultScope.get_current_instance().scope_name == 'mtl'
        loss = mme.MODELS.build(dict(type='BerHuLoss'))
        constructor = mme.OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(type='MTLOptimWrapperConstructor', optim_wrapper_cfg=dict(
                type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))
    assert type(loss) is BerHuLoss
    assert type(constructor).__name__ == 'MTLOptimWrapperConstructor'


def test_mmengine_components_build_under_scope_mtl_without_fallback_warning(mmengine_log):
    with mme.DefaultScope.overwrite_default_scope('mtl'):
        optimizer = mtl_registry.OPTIMIZERS.build(
            dict(type='Adam', params=[torch.nn.Parameter(torch.zeros(1))], lr=0.01))
        hook = mme.HOOKS.build(dict(type='CheckpointHook', interval=1))
        visualizer = mme.VISUALIZERS.build(dict(type='Visualizer', name='test_registry_vis'))
    assert type(optimizer) is torch.optim.Adam
    assert type(hook).__name__ == 'CheckpointHook'
    assert type(visualizer).__name__ == 'Visualizer'
    assert not [m for m in mmengine_log if 'Failed to search registry' in m], mmengine_log


def test_the_warning_capture_sees_a_registry_without_mtl_child(mmengine_log):
    """Guards the test above: a root without an mtl child does log the fallback warning."""
    orphan = mme.Registry('test_orphan')
    orphan.register_module(name='Thing', module=type('Thing', (), {}))
    with mme.DefaultScope.overwrite_default_scope('mtl'):
        orphan.build(dict(type='Thing'))
    assert [m for m in mmengine_log if 'Failed to search registry' in m]
