"""An example third-party plugin for mtl.

Importing this package registers ``CrossTaskGate`` (an interaction) and ``LogL1Loss``
(a loss) in mtl's registries. Once installed, mtl imports it through the ``mtl.plugins``
entry point declared in ``setup.py``; used from a source folder instead, a config
enables it with::

    custom_imports = dict(imports=['mtl_plugin_example'], allow_failed_imports=False)
"""
from .cross_task_gate import CrossTaskGate
from .log_l1 import LogL1Loss

__all__ = ['CrossTaskGate', 'LogL1Loss']
