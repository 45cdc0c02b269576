"""KITTI depth prediction (Uhrig et al., 3DV 2017; Geiger et al., IJRR 2013): dataset and readers.

:mod:`.dataset` is the registered ``KITTIDepthDataset``; :mod:`.index` finds the frames of a
split on disk, :mod:`.io` reads KITTI's files (16-bit depth PNGs, calibration files).
"""
from mtl.datasets.kitti.dataset import (CAMERAS, EIGEN_TEST_LIST, SPLITS, KITTIDepthDataset,
                                        build_pipeline)

__all__ = ['CAMERAS', 'EIGEN_TEST_LIST', 'SPLITS', 'KITTIDepthDataset', 'build_pipeline']
