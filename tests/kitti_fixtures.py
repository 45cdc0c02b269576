"""Write tiny KITTI trees in the exact official formats (16-bit depth PNGs, calibration
text, intrinsics files, split lists), for the KITTI dataset tests."""
from pathlib import Path
from typing import Dict, Iterable, Tuple

import cv2
import numpy as np

# P_rect_02 / P_rect_03 of the 2011_09_26 recordings (fx, 0, cx, tx, 0, fy, cy, ty, 0, 0, 1, tz)
P_RECT = {
    'image_02': (7.215377e+02, 0.0, 6.095593e+02, 4.485728e+01, 0.0, 7.215377e+02, 1.728540e+02,
                 2.163791e-01, 0.0, 0.0, 1.0, 2.745884e-03),
    'image_03': (7.215377e+02, 0.0, 6.095593e+02, -3.395242e+02, 0.0, 7.215377e+02,
                 1.728540e+02, 2.199936e+00, 0.0, 0.0, 1.0, 2.729905e-03),
}
SELECTION_K = (721.5377, 0.0, 596.5593, 0.0, 721.5377, 149.854, 0.0, 0.0, 1.0)


def depth_raw(shape: Tuple[int, int], seed: int) -> np.ndarray:
    """A sparse uint16 depth map (about a third of the pixels 0 = invalid)."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(1, 65535, size=shape, dtype=np.uint16)
    raw[rng.random(shape) < 0.35] = 0
    return raw


def rgb_image(shape: Tuple[int, int], seed: int) -> np.ndarray:
    """A random uint8 RGB image (H×W×3, RGB order)."""
    return np.random.default_rng(seed).integers(0, 256, size=(*shape, 3), dtype=np.uint8)


def write_png(path: Path, array: np.ndarray, rgb: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = cv2.cvtColor(array, cv2.COLOR_RGB2BGR) if rgb else array
    assert cv2.imwrite(str(path), data)


def format_numbers(values: Iterable[float]) -> str:
    return ' '.join(f'{v:.6e}' for v in values)


def write_calib(path: Path, cameras: Iterable[str] = ('image_02', 'image_03')) -> None:
    """A ``calib_cam_to_cam.txt`` with the raw-data header lines and P_rect entries."""
    lines = ['calib_time: 09-Jan-2012 13:57:47', 'corner_dist: 9.950000e-02']
    for camera in ('image_00', 'image_01', 'image_02', 'image_03'):
        index = camera[-2:]
        lines.append(f'S_rect_{index}: 1.242000e+03 3.750000e+02')
        if camera in cameras:
            lines.append(f'P_rect_{index}: {format_numbers(P_RECT[camera])}')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(lines) + '\n')


def write_annotated_frame(root: Path, split: str, drive: str, camera: str, frame: str,
                          shape: Tuple[int, int], seed: int, rgb: bool = True
                          ) -> Dict[str, np.ndarray]:
    """One ground-truth PNG under ``root/data_depth_annotated`` and its RGB frame under
    ``root/raw``; returns the written arrays."""
    raw = depth_raw(shape, seed)
    image = rgb_image(shape, seed)
    write_png(root / 'data_depth_annotated' / split / drive / 'proj_depth' / 'groundtruth'
              / camera / f'{frame}.png', raw)
    if rgb:
        write_png(root / 'raw' / drive[:10] / drive / camera / 'data' / f'{frame}.png', image,
                  rgb=True)
    return dict(depth=raw, img=image)


def build_annotated(root: Path) -> Dict[str, Dict[str, np.ndarray]]:
    """Two train drives of different frame sizes and one val drive, both cameras,
    calibration for both dates. Keys of the result are sample ids."""
    layout = [('train', '2011_09_26_drive_0001_sync', ('0000000005', '0000000006'), (20, 60)),
              ('train', '2011_09_28_drive_0002_sync', ('0000000010',), (18, 64)),
              ('val', '2011_09_26_drive_0002_sync', ('0000000005',), (20, 60))]
    written, seed = {}, 0
    for split, drive, frames, shape in layout:
        for camera in ('image_02', 'image_03'):
            for frame in frames:
                seed += 1
                written[f'{drive}/{camera}/{frame}'] = write_annotated_frame(
                    root, split, drive, camera, frame, shape, seed)
    for date in ('2011_09_26', '2011_09_28'):
        write_calib(root / 'raw' / date / 'calib_cam_to_cam.txt')
    return written


def selection_names(drive: str, frame: str, camera: str) -> Dict[str, str]:
    """The three file names of one ``val_selection_cropped`` frame."""
    return dict(image=f'{drive}_image_{frame}_{camera}.png',
                groundtruth_depth=f'{drive}_groundtruth_depth_{frame}_{camera}.png',
                velodyne_raw=f'{drive}_velodyne_raw_{frame}_{camera}.png',
                intrinsics=f'{drive}_image_{frame}_{camera}.txt')


def build_val_selection(root: Path) -> Dict[str, Dict[str, np.ndarray]]:
    """Three ``val_selection_cropped`` frames (both cameras, velodyne_raw included)."""
    folder = root / 'depth_selection' / 'val_selection_cropped'
    items = [('2011_09_26_drive_0002_sync', '0000000005', 'image_02'),
             ('2011_09_26_drive_0002_sync', '0000000005', 'image_03'),
             ('2011_10_03_drive_0047_sync', '0000000791', 'image_03')]
    written = {}
    for seed, (drive, frame, camera) in enumerate(items, start=100):
        names = selection_names(drive, frame, camera)
        raw, image = depth_raw((20, 60), seed), rgb_image((20, 60), seed)
        write_png(folder / 'image' / names['image'], image, rgb=True)
        write_png(folder / 'groundtruth_depth' / names['groundtruth_depth'], raw)
        write_png(folder / 'velodyne_raw' / names['velodyne_raw'], depth_raw((20, 60), seed + 50))
        k = np.array(SELECTION_K) + np.array([seed, 0, 0, 0, seed, 0, 0, 0, 0])
        (folder / 'intrinsics').mkdir(parents=True, exist_ok=True)
        (folder / 'intrinsics' / names['intrinsics']).write_text(format_numbers(k) + '\n')
        written[f'{drive}/{camera}/{frame}'] = dict(depth=raw, img=image, K=k.reshape(3, 3))
    return written


def build_test_set(root: Path, count: int = 2) -> None:
    """``test_depth_prediction_anonymous`` with ``count`` images and intrinsics."""
    folder = root / 'depth_selection' / 'test_depth_prediction_anonymous'
    for index in range(count):
        write_png(folder / 'image' / f'{index:010d}.png', rgb_image((20, 60), index), rgb=True)
        (folder / 'intrinsics').mkdir(parents=True, exist_ok=True)
        (folder / 'intrinsics' / f'{index:010d}.txt').write_text(format_numbers(SELECTION_K))
