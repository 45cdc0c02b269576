"""NYU Depth v2 metadata: file names, camera, class mappings, official splits, validation carving.

Class mappings (raw NYU labels 1..894, 0 = unlabelled):

* 40 classes: ``mapClass`` of ``classMapping40.mat`` (Gupta, Arbeláez, Malik, CVPR 2013).
* 4 classes: the 40 classes through ``mapToNYUSuperClass`` of the same file (1 floor,
  2 structure, 3 furniture, 4 prop; Silberman et al., ECCV 2012).
* 13 classes: the 40 classes through ``classMapping13.labels13`` of ``class13Mapping.mat``
  (Couprie et al., ICLR 2013).

Output labels are 0-based (class k → k − 1) and raw label 0 becomes the ignore index 255.

Validation split: NYU's labelled frames come in runs of neighbouring video frames of one
scene, so a validation set of random frames would leak its scenes into training. We carve
it by scene instead: the scenes of the training frames, sorted by name, and every
``VAL_EVERY``-th of them (positions 0, 10, 20, ...) give the validation frames. A layout
without scene names (NYUD_MT) treats every frame as its own scene.
"""
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

IGNORE_INDEX = 255
NUM_RAW_CLASSES = 894
VAL_EVERY = 10

LABELED_MAT = 'nyu_depth_v2_labeled.mat'
SPLITS_MAT = 'splits.mat'
MAPPING40_MAT = 'classMapping40.mat'
MAPPING13_MAT = 'class13Mapping.mat'
DOCS = 'docs/datasets.md (section "NYU Depth v2")'

DOWNLOAD_URLS = {
    LABELED_MAT: 'http://horatio.cs.nyu.edu/mit/silberman/nyu_depth_v2/nyu_depth_v2_labeled.mat',
    SPLITS_MAT: 'http://horatio.cs.nyu.edu/mit/silberman/indoor_seg_sup/splits.mat',
    MAPPING40_MAT: 'https://github.com/ankurhanda/nyuv2-meta-data (classMapping40.mat)',
    MAPPING13_MAT: 'https://github.com/ankurhanda/nyuv2-meta-data (class13Mapping.mat)',
}

# NYU Depth v2 RGB camera (Silberman et al. 2012 toolbox, camera_params.m), 640×480 pixels.
NYU_FX, NYU_FY, NYU_CX, NYU_CY = 518.8579, 519.4696, 325.5824, 253.7362
NYU_SHAPE = (480, 640)

# ``className`` of classMapping40.mat, in its order and spelling ("refridgerator" included).
NYU40_CLASSES = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window', 'bookshelf',
    'picture', 'counter', 'blinds', 'desk', 'shelves', 'curtain', 'dresser', 'pillow', 'mirror',
    'floor mat', 'clothes', 'ceiling', 'books', 'refridgerator', 'television', 'paper', 'towel',
    'shower curtain', 'box', 'whiteboard', 'person', 'night stand', 'toilet', 'sink', 'lamp',
    'bathtub', 'bag', 'otherstructure', 'otherfurniture', 'otherprop')
NYU13_CLASSES = ('bed', 'books', 'ceiling', 'chair', 'floor', 'furniture', 'objects', 'picture',
                 'sofa', 'table', 'tv', 'wall', 'window')
NYU4_CLASSES = ('floor', 'structure', 'furniture', 'prop')
CLASS_NAMES = {4: NYU4_CLASSES, 13: NYU13_CLASSES, 40: NYU40_CLASSES}


def missing_file_error(name: str, where: Path, why: str = '') -> FileNotFoundError:
    """A FileNotFoundError naming the file, where it was looked for, and where to get it."""
    url = DOWNLOAD_URLS.get(name)
    hint = f' Download it from {url}.' if url else ''
    return FileNotFoundError(f'NYU Depth v2: {name} not found in {where}{why}.{hint} '
                             f'See {DOCS}.')


def nyu_intrinsics(height: int, width: int) -> np.ndarray:
    """The NYU RGB camera matrix (3×3 float64) for a frame resized to ``height`` × ``width``.

    The real frames are 640×480 and get the calibrated values unchanged; a frame of another
    size is taken to be the whole field of view resized, so fx, cx scale with the width and
    fy, cy with the height.
    """
    sy, sx = height / NYU_SHAPE[0], width / NYU_SHAPE[1]
    return np.array([[NYU_FX * sx, 0.0, NYU_CX * sx],
                     [0.0, NYU_FY * sy, NYU_CY * sy],
                     [0.0, 0.0, 1.0]], dtype=np.float64)


def class_palette(num_classes: int) -> List[Tuple[int, int, int]]:
    """A fixed, well-separated RGB colour per class (bits of the index spread over R, G, B)."""
    palette = []
    for k in range(num_classes):
        rgb, index = [0, 0, 0], k + 1
        for bit in range(8):
            for channel in range(3):
                rgb[channel] |= ((index >> (3 * bit + channel)) & 1) << (7 - bit)
        palette.append(tuple(rgb))
    return palette


def _loadmat(path: Path) -> dict:
    from scipy.io import loadmat
    try:
        return loadmat(str(path))
    except (ValueError, OSError, NotImplementedError) as err:
        raise ValueError(f'NYU Depth v2: {path} cannot be read as a MATLAB v5 .mat file '
                         f'({err}). Re-download it; see {DOCS}.') from err


def _vector(mat: dict, key: str, path: Path, length: int, value_range: Tuple[int, int]
            ) -> np.ndarray:
    if key not in mat:
        keys = sorted(k for k in mat if not k.startswith('__'))
        raise ValueError(f'NYU Depth v2: {path} has no "{key}" (it holds {keys}). '
                         f'Wrong file? See {DOCS}.')
    values = np.asarray(mat[key]).astype(np.int64).ravel()
    if values.size != length:
        raise ValueError(f'NYU Depth v2: "{key}" in {path} has {values.size} entries, expected '
                         f'{length}. Wrong mapping file? See {DOCS}.')
    low, high = value_range
    if values.min() < low or values.max() > high:
        raise ValueError(f'NYU Depth v2: "{key}" in {path} has values outside {low}..{high}. '
                         f'Wrong mapping file? See {DOCS}.')
    return values


def _cell_strings(cells) -> Tuple[str, ...]:
    return tuple(str(np.asarray(c).ravel()[0]) for c in np.asarray(cells).ravel())


def load_40_to_k(mapping_dir: Path, num_classes: int) -> Tuple[np.ndarray, Tuple[str, ...]]:
    """1-based 40-class labels → 1-based ``num_classes`` labels (array of 41, entry 0 unused)."""
    if num_classes == 40:
        return np.arange(41), NYU40_CLASSES
    if num_classes == 4:
        path = Path(mapping_dir) / MAPPING40_MAT
        if not path.is_file():
            raise missing_file_error(MAPPING40_MAT, Path(mapping_dir), ' (needed for 4 classes)')
        to_k = _vector(_loadmat(path), 'mapToNYUSuperClass', path, 40, (1, 4))
        return np.concatenate([[0], to_k]), NYU4_CLASSES
    if num_classes == 13:
        path = Path(mapping_dir) / MAPPING13_MAT
        if not path.is_file():
            raise missing_file_error(MAPPING13_MAT, Path(mapping_dir), ' (needed for 13 classes)')
        mat = _loadmat(path)
        if 'classMapping13' not in mat:
            raise ValueError(f'NYU Depth v2: {path} has no "classMapping13" struct. '
                             f'Wrong file? See {DOCS}.')
        struct = mat['classMapping13'].ravel()[0]
        to_k = _vector({'labels13': struct['labels13']}, 'labels13', path, 40, (1, 13))
        return np.concatenate([[0], to_k]), _cell_strings(struct['classNames'])
    raise ValueError(f'num_classes must be 4, 13 or 40 for NYU Depth v2, got {num_classes}.')


def class_lut(mapping_dir: Path, num_classes: int, source_classes: int = NUM_RAW_CLASSES
              ) -> Tuple[np.ndarray, Tuple[str, ...]]:
    """Look-up table from stored labels (0 = unlabelled, 1..source_classes) to output labels.

    ``source_classes`` is 894 for raw NYU labels (through ``mapClass`` of
    classMapping40.mat) or 40 for files already in the 40-class space (NYUD_MT).
    Returns the uint8 table of ``source_classes + 1`` entries and the class names.
    """
    to_k, names = load_40_to_k(mapping_dir, num_classes)
    if source_classes == 40:
        to_40 = np.arange(41)
    else:
        path = Path(mapping_dir) / MAPPING40_MAT
        if not path.is_file():
            raise missing_file_error(MAPPING40_MAT, Path(mapping_dir))
        mat = _loadmat(path)
        to_40 = np.concatenate([[0], _vector(mat, 'mapClass', path, NUM_RAW_CLASSES, (1, 40))])
        if num_classes == 40 and 'className' in mat:
            names = _cell_strings(mat['className'])
    lut = to_k[to_40].astype(np.int64) - 1
    lut[0] = IGNORE_INDEX
    return lut.astype(np.uint8), names


def apply_lut(labels: np.ndarray, lut: np.ndarray, sample_id: str) -> np.ndarray:
    """Map stored labels through ``lut``; a label beyond the table is an error naming the sample."""
    top = int(labels.max()) if labels.size else 0
    if top >= len(lut):
        raise ValueError(f'NYU Depth v2 sample {sample_id}: label {top} is beyond the '
                         f'{len(lut) - 1} classes of the mapping. Wrong label file?')
    return lut[labels]


def load_splits(path: Path, num_frames: int) -> Dict[str, np.ndarray]:
    """Official ``trainNdxs``/``testNdxs`` of splits.mat (1-based) as sorted 0-based indices."""
    path = Path(path)
    if not path.is_file():
        raise missing_file_error(SPLITS_MAT, path.parent)
    mat = _loadmat(path)
    splits = {}
    for split, key in (('train', 'trainNdxs'), ('test', 'testNdxs')):
        if key not in mat:
            raise ValueError(f'NYU Depth v2: {path} has no "{key}". Wrong splits file? '
                             f'See {DOCS}.')
        one_based = np.asarray(mat[key]).astype(np.int64).ravel()
        bad = one_based[(one_based < 1) | (one_based > num_frames)]
        if bad.size:
            raise IndexError(f'NYU Depth v2: {key} in {path} holds index {int(bad[0])}, out of '
                             f'range for the {num_frames} frames of the labelled set (1-based '
                             f'1..{num_frames}). splits.mat and {LABELED_MAT} do not match.')
        splits[split] = np.sort(one_based - 1)
    if np.intersect1d(splits['train'], splits['test']).size:
        raise ValueError(f'NYU Depth v2: train and test indices of {path} overlap.')
    return splits


def carve_val(train_ids: Sequence, scenes: Sequence[str], every: int = VAL_EVERY
              ) -> Tuple[list, list]:
    """Split the training ids into (train minus val, val) by scene; see the module docstring."""
    if len(train_ids) != len(scenes):
        raise ValueError(f'{len(train_ids)} training ids but {len(scenes)} scene names.')
    val_scenes = set(sorted(set(scenes))[::every])
    keep = [i for i, s in zip(train_ids, scenes) if s not in val_scenes]
    val = [i for i, s in zip(train_ids, scenes) if s in val_scenes]
    return keep, val


def check_depth(depth: np.ndarray, sample_id: str, source: str) -> np.ndarray:
    """Refuse NaN, infinite or negative depth: a file holding them is damaged."""
    finite = np.isfinite(depth)
    if not finite.all() or (depth[finite] < 0).any():
        raise ValueError(f'NYU Depth v2 sample {sample_id} in {source}: depth holds '
                         f'{int((~finite).sum())} NaN/inf and {int((depth[finite] < 0).sum())} '
                         f'negative values (valid depth is >= 0 m, 0 = invalid). The file is '
                         f'damaged: re-download or re-prepare it.')
    return depth
