"""An example third-party plugin for mtl.

Importing this package registers ``CrossTaskGate`` (an interaction) and ``LogL1Loss``
(a loss) in mtl's registries. A config enables them with::

    custom_imports = dict(imports=['mtl_plugin_example'], allow_failed_imports=False)
"""
from .cross_task_gate import CrossTaskGate
from .log_l1 import LogL1Loss

__all__ = ['CrossTaskGate', 'LogL1Loss']
