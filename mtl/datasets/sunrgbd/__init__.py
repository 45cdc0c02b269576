"""SUN RGB-D: the dataset and the readers of its release files."""
from mtl.datasets.sunrgbd.dataset import SUNRGBDDataset
from mtl.datasets.sunrgbd.toolbox import decode_depth

__all__ = ['SUNRGBDDataset', 'decode_depth']
