"""Metrics whose dataset values (class count, depth range) default to the dataset's metainfo.

mmengine's loops hand ``dataset.metainfo`` to every metric as ``dataset_meta`` when the loop
is built. A value given in the metric's config is kept and must agree with the metainfo:
``DatasetMetaCheckHook`` reports a disagreement with both config keys before the first
iteration, and :meth:`check_dataset_values` stops the metric itself from scoring against
the wrong dataset if the hook is not installed. No paper equation applies.
"""
from typing import Dict, Optional, Tuple

from mmengine.evaluator import BaseMetric

from mtl.structures import metainfo_values


class DatasetValuesMetric(BaseMetric):
    """``configured``: the dataset values given in the config (None = from the metainfo).

    A subclass lists in ``needed`` the attributes it cannot score without and calls
    :meth:`check_dataset_values` before scoring.
    """
    needed: Tuple[str, ...] = ()

    def __init__(self, configured: Dict[str, Optional[object]], collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self._configured = {k: v for k, v in configured.items() if v is not None}

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        self._dataset_meta = dataset_meta
        known = metainfo_values(dataset_meta)
        self.use_dataset_values({k: v for k, v in known.items() if k not in self._configured})

    def use_dataset_values(self, values: Dict[str, object]) -> None:
        """Take the values the config left open from the dataset's metainfo."""
        raise NotImplementedError

    def dataset_values(self) -> Dict[str, object]:
        """The dataset values given in this metric's config."""
        return dict(self._configured)

    def check_dataset_values(self, name: str) -> None:
        """Raise ValueError when a needed value is unknown or a configured value
        contradicts the dataset's metainfo."""
        missing = [key for key in self.needed if getattr(self, key) is None]
        if missing:
            raise ValueError(f'{name} does not know {" and ".join(missing)}: give '
                             f'{" and ".join(missing)} in the evaluator config, or evaluate a '
                             f'dataset whose metainfo states it (its base config, '
                             f'configs/_base_/datasets/).')
        known = metainfo_values(self._dataset_meta)
        for key, value in self._configured.items():
            if key in known and known[key] != value:
                raise ValueError(f'{name}: {key}={value}, but the evaluated dataset\'s metainfo '
                                 f'has {key}={known[key]}. Remove {key} from the evaluator '
                                 f'config (it is read from the dataset) or fix it.')
