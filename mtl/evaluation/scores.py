"""The direction contract of metrics: which reported values are better when higher.

No paper: plumbing for Δm (:mod:`mtl.evaluation.delta_m`), which needs each measure's
direction (l_i) and each task's measure. A metric declares both itself, by subclassing
:class:`ScoredMetric`:

- ``higher_is_better = {key: bool}`` for the keys it reports that are scores; keys that
  are not (image counts, the ODS threshold) are left out. A reported key is looked up
  without its suffix after ``@`` (``abs_rel@4m``, ``f@0.5``) and without its part after
  ``/`` (``iou/<class>``); :meth:`ScoredMetric.direction` may be overridden for other
  key families.
- ``primary_keys``: the measures of its task that Δm averages, by default those the MTL
  survey reports (Vandenhende et al., TPAMI 2021).
- ``task``: the model output it scores (set by ``__init__``), so that a single-task
  baseline keeps the metrics of its task (:mod:`mtl.utils.single_task`).
"""
from typing import ClassVar, Dict, Optional, Tuple


class ScoredMetric:
    higher_is_better: ClassVar[Dict[str, bool]] = {}
    primary_keys: ClassVar[Tuple[str, ...]] = ()
    task: str

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        undeclared = [k for k in cls.primary_keys if k not in cls.higher_is_better]
        if undeclared:
            raise TypeError(f'{cls.__name__}.primary_keys {undeclared} have no direction in '
                            f'{cls.__name__}.higher_is_better')

    def direction(self, key: str) -> Optional[bool]:
        """True: higher is better; False: lower is better; None: ``key`` is not a score."""
        return self.higher_is_better.get(key.split('@')[0].split('/')[0])
