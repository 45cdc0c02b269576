"""Cityscapes (Cordts et al., CVPR 2016): dataset, label table and file readers.

:mod:`.dataset` is the registered ``CityscapesDataset``; :mod:`.labels` takes the 19
evaluation classes from ``cityscapesscripts``; :mod:`.io` reads the downloaded files
(8-bit label PNGs, 16-bit disparity PNGs, camera json).
"""
from mtl.datasets.cityscapes.dataset import SPLITS, CityscapesDataset
from mtl.datasets.cityscapes.labels import CLASSES, PALETTE, label_to_train_id, train_to_label_id

__all__ = ['SPLITS', 'CityscapesDataset', 'CLASSES', 'PALETTE', 'label_to_train_id',
           'train_to_label_id']
