"""SynthRooms: procedurally rendered indoor rooms with exact depth, labels, normals and contours.

:mod:`.dataset` is the registered ``SynthRoomsDataset``; :mod:`.scene` samples a furnished room,
:mod:`.render` ray-casts it into the per-pixel targets.
"""
from mtl.datasets.synthrooms.dataset import (DEFAULT_NUM_SAMPLES, PALETTE, SPLITS, SUPER_PALETTE,
                                             TASKS, VERSION, SynthRoomsDataset, render_sample)

__all__ = ['DEFAULT_NUM_SAMPLES', 'PALETTE', 'SPLITS', 'SUPER_PALETTE', 'TASKS', 'VERSION',
           'SynthRoomsDataset', 'render_sample']
