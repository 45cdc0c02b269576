"""Write tiny Cityscapes trees in the exact downloaded formats: 8-bit RGB
``*_leftImg8bit.png``, 8-bit ``*_gtFine_labelIds.png``, 16-bit ``*_gtFine_instanceIds.png``
and ``*_disparity.png``, and ``*_camera.json`` (the schema of camera_trainvaltest.zip)."""
import json
from pathlib import Path
from typing import Dict, Tuple

import cv2
import numpy as np

# aachen_000000_000019_camera.json of the real release
CAMERA = {'extrinsic': {'baseline': 0.209313, 'pitch': 0.038, 'roll': 0.0, 'x': 1.7,
                        'y': 0.0, 'yaw': -0.0195, 'z': 1.18},
          'intrinsic': {'fx': 2262.52, 'fy': 2265.3017905988554, 'u0': 1096.98, 'v0': 513.137}}
# label ids used by the fixtures: road (7 → 0), car (26 → 13), person (24 → 11), sky (23 → 10),
# unlabeled (0 → 255), license plate (-1 in the table; not writable) and static (4 → 255)
LABEL_IDS = (7, 26, 24, 23, 0, 4)


def frame(seed: int, shape: Tuple[int, int]) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.choice(LABEL_IDS, size=shape).astype(np.uint8)
    instances = labels.astype(np.uint16)
    for label_id in (26, 24):  # two instances each of car and person: id * 1000 + k
        mask = labels == label_id
        instances[mask] = label_id * 1000 + (np.arange(mask.sum()) % 2)
    disparity = rng.integers(0, 3000, size=shape).astype(np.uint16)
    disparity[0, 0], disparity[0, 1] = 0, 1  # invalid, and zero disparity
    rgb = rng.integers(0, 256, size=(*shape, 3), dtype=np.uint8)
    return dict(rgb=rgb, labels=labels, instances=instances, disparity=disparity)


def write_cityscapes(root: Path, split: str = 'train', cities=('aachen', 'bochum'),
                     frames_per_city: int = 2, shape: Tuple[int, int] = (16, 32),
                     seed: int = 0) -> Dict[str, Dict[str, np.ndarray]]:
    """Write a split; return the arrays written, keyed by ``city/stem``."""
    written = {}
    for c, city in enumerate(cities):
        for i in range(frames_per_city):
            stem = f'{city}_{i:06d}_{19 + i:06d}'
            data = frame(seed + 100 * c + i, shape)
            paths = dict(rgb=('leftImg8bit', '_leftImg8bit.png'),
                         labels=('gtFine', '_gtFine_labelIds.png'),
                         instances=('gtFine', '_gtFine_instanceIds.png'),
                         disparity=('disparity', '_disparity.png'),
                         camera=('camera', '_camera.json'))
            for key, (folder, suffix) in paths.items():
                path = root / folder / split / city / f'{stem}{suffix}'
                path.parent.mkdir(parents=True, exist_ok=True)
                if key == 'camera':
                    path.write_text(json.dumps(CAMERA, indent=4))
                elif key == 'rgb':
                    cv2.imwrite(str(path), cv2.cvtColor(data['rgb'], cv2.COLOR_RGB2BGR))
                else:
                    cv2.imwrite(str(path), data[key])
            written[f'{city}/{stem}'] = data
    return written
