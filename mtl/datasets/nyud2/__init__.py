"""NYU Depth v2 (Silberman et al., ECCV 2012): the dataset and the readers of its file layouts.

:mod:`.dataset` is the registered ``NYUDv2Dataset``; :mod:`.meta` holds the dataset's values
(class lists, the 894 -> 40/13/4 class mappings, splits, intrinsics), :mod:`.mat` reads the
labeled ``.mat``, :mod:`.prepared` and :mod:`.convert` write and read the fast PNG layout of
``tools/prepare_nyud2.py``, :mod:`.sources` and :mod:`.layouts` serve frames from each layout.
"""
from mtl.datasets.nyud2.dataset import LAYOUTS, PREPARED_DIR, NYUDv2Dataset, detect_layout

__all__ = ['LAYOUTS', 'PREPARED_DIR', 'NYUDv2Dataset', 'detect_layout']
