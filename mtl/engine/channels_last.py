"""ChannelsLastHook: the model's weights in channels-last memory format before training.

No paper: engine plumbing for ``tools/train.py --channels-last`` (``mtl/engine/performance.py``).
"""
from mmengine.hooks import Hook

from mtl.engine.performance import to_channels_last
from mtl.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Converts the model's weights to channels-last before training (``--channels-last``)."""

    def before_run(self, runner) -> None:
        to_channels_last(runner.model)
