"""Index the frames of each KITTI depth prediction split from the official folder layouts.

Layouts (as unpacked from the official archives):

* annotated depth (``data_depth_annotated.zip``):
  ``<gt_root>/{train,val}/<drive>/proj_depth/groundtruth/image_0{2,3}/<frame>.png``;
  the RGB frames come from the raw data (the ``*_sync.zip`` drives and the
  ``<date>_calib.zip`` calibrations):
  ``<raw_root>/<date>/<drive>/image_0{2,3}/data/<frame>.png`` and
  ``<raw_root>/<date>/calib_cam_to_cam.txt``, with ``<date>`` = the first 10 characters
  of the drive name (``2011_09_26_drive_0001_sync`` → ``2011_09_26``).
* ``depth_selection.zip``: ``<selection_root>/val_selection_cropped/`` holds
  ``image/<drive>_image_<frame>_<camera>.png``,
  ``groundtruth_depth/<drive>_groundtruth_depth_<frame>_<camera>.png`` and
  ``intrinsics/<drive>_image_<frame>_<camera>.txt`` (the intrinsics file keeps the
  ``image`` token); ``<selection_root>/test_depth_prediction_anonymous/`` holds
  ``image/<id>.png`` and ``intrinsics/<id>.txt`` and no ground truth.
* a BTS-style split list (``eigen_test_files_with_gt.txt``): RGB paths relative to
  ``raw_root``, ground-truth paths relative to ``gt_root``. BTS merges ``train/`` and
  ``val/`` into one folder; we look in ``gt_root`` itself, then in ``gt_root/train`` and
  ``gt_root/val``, so both the merged and the official layout work.
"""
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from mmengine.logging import print_log

from mtl.datasets.kitti.io import read_split_list

BENCHMARK_URL = 'http://www.cvlibs.net/datasets/kitti/eval_depth.php?benchmark=depth_prediction'
RAW_DATA_URL = 'http://www.cvlibs.net/datasets/kitti/raw_data.php'
SELECTION_NAME = re.compile(
    r'^(?P<drive>\d{4}_\d{2}_\d{2}_drive_\d{4}_sync)_image_(?P<frame>\d+)_'
    r'(?P<camera>image_0[23])\.png$')


@dataclass(frozen=True)
class KITTIRecord:
    """Where one sample's files are; exactly one of the intrinsics sources is set."""
    sample_id: str
    img_path: str
    depth_path: Optional[str] = None
    drive: Optional[str] = None
    camera: Optional[str] = None
    calib_path: Optional[str] = None  # calib_cam_to_cam.txt of the drive's date
    intrinsics_path: Optional[str] = None  # a 9-number depth_selection file


def require_dir(path: Path, what: str, download: str) -> None:
    """Raise a FileNotFoundError naming the folder, what it is and where to get it."""
    if not path.is_dir():
        raise FileNotFoundError(f'KITTI {what} folder not found: {path}. {download}')


def _png_names(folder: Path) -> List[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith('.png'))


def _subdirs(folder: Path) -> List[str]:
    return sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())


def _missing_rgb_error(rgb: Path, gt: Path, more: int) -> FileNotFoundError:
    others = f' ({more} more ground-truth files lack their RGB frame)' if more else ''
    return FileNotFoundError(
        f'The RGB frame {rgb} for the ground truth {gt} is missing{others}. Download the '
        f'synced+rectified raw drive ({rgb.parts[-4]}) from {RAW_DATA_URL} and unzip it '
        f'into raw_root.')


def raw_download_hint(raw_root: Path) -> str:
    return (f'Download the synced+rectified drives and the calibration of each date from '
            f'{RAW_DATA_URL} and unzip them into {raw_root} (<date>/<drive>/image_02/data/), '
            f'or set raw_root.')


def index_annotated(gt_root: Path, raw_root: Path, split: str, cameras: Sequence[str]
                    ) -> List[KITTIRecord]:
    """All annotated frames of ``gt_root/split`` for the given cameras."""
    split_root = gt_root / split
    require_dir(split_root, f'annotated depth ({split})',
                f'Download data_depth_annotated.zip from {BENCHMARK_URL} and unzip it so that '
                f'{gt_root} holds train/ and val/, or set gt_root.')
    require_dir(raw_root, 'raw data', raw_download_hint(raw_root))
    records = []
    for drive in _subdirs(split_root):
        for camera in cameras:
            gt_dir = split_root / drive / 'proj_depth' / 'groundtruth' / camera
            if gt_dir.is_dir():
                records += _annotated_drive(gt_dir, raw_root, drive, camera)
    return records


def _annotated_drive(gt_dir: Path, raw_root: Path, drive: str, camera: str
                     ) -> List[KITTIRecord]:
    date = drive[:10]
    rgb_dir = raw_root / date / drive / camera / 'data'
    rgb_names = set(_png_names(rgb_dir)) if rgb_dir.is_dir() else set()
    gt_names = _png_names(gt_dir)
    missing = [name for name in gt_names if name not in rgb_names]
    if missing:
        raise _missing_rgb_error(rgb_dir / missing[0], gt_dir / missing[0], len(missing) - 1)
    calib = str(raw_root / date / 'calib_cam_to_cam.txt')
    return [KITTIRecord(sample_id=f'{drive}/{camera}/{Path(name).stem}',
                        img_path=str(rgb_dir / name), depth_path=str(gt_dir / name),
                        drive=drive, camera=camera, calib_path=calib)
            for name in gt_names]


def index_split_list(list_path: Path, gt_root: Path, raw_root: Path, cameras: Sequence[str]
                     ) -> List[KITTIRecord]:
    """The frames of a BTS-style ``rgb_path gt_path focal`` list; ``None`` lines are
    skipped and counted in the log."""
    if not list_path.is_file():
        raise FileNotFoundError(
            f'KITTI split list not found: {list_path}. The Eigen lists '
            f'(eigen_test_files_with_gt.txt, eigen_train_files_with_gt.txt) come with the BTS '
            f'code release; set split_file to its path.')
    require_dir(gt_root, 'annotated depth',
                f'Download data_depth_annotated.zip from {BENCHMARK_URL}, or set gt_root.')
    require_dir(raw_root, 'raw data', raw_download_hint(raw_root))
    entries, skipped = read_split_list(list_path)
    print_log(f'{list_path.name}: {len(entries)} frames with ground truth; skipped {skipped} '
              f'lines whose ground truth is None.', logger='current')
    records, gt_bases = [], {}
    for entry in entries:
        rgb = raw_root / entry.rgb_path
        camera = rgb.parts[-3]
        if camera not in cameras:
            continue
        gt = _locate_gt(gt_root, Path(entry.gt_path), gt_bases)
        if not gt.is_file():
            raise FileNotFoundError(
                f'{list_path}, line {entry.line_no}: the ground truth {entry.gt_path} is '
                f'in neither {gt_root}, {gt_root / "train"} nor {gt_root / "val"}. Download '
                f'data_depth_annotated.zip from {BENCHMARK_URL}.')
        if not rgb.is_file():
            raise _missing_rgb_error(rgb, gt, 0)
        drive, frame = rgb.parts[-4], rgb.stem
        records.append(KITTIRecord(
            sample_id=f'{drive}/{camera}/{frame}', img_path=str(rgb), depth_path=str(gt),
            drive=drive, camera=camera, calib_path=str(rgb.parents[3] / 'calib_cam_to_cam.txt')))
    return records


def _locate_gt(gt_root: Path, relative: Path, bases: Dict[str, Path]) -> Path:
    """``relative`` under whichever of gt_root, gt_root/train, gt_root/val holds its drive."""
    drive = relative.parts[0]
    if drive not in bases:
        candidates = [gt_root, gt_root / 'train', gt_root / 'val']
        bases[drive] = next((base for base in candidates if (base / drive).is_dir()), gt_root)
    return bases[drive] / relative


def _selection_download(selection_root: Path) -> str:
    return (f'Download depth_selection.zip from {BENCHMARK_URL} and unzip it so that '
            f'{selection_root} is its depth_selection/ folder, or set selection_root.')


def index_val_selection(selection_root: Path, cameras: Sequence[str]) -> List[KITTIRecord]:
    """The 1000 cropped validation frames, paired by their file names."""
    root = selection_root / 'val_selection_cropped'
    folders = {kind: root / kind for kind in ('image', 'groundtruth_depth', 'intrinsics')}
    for kind, folder in folders.items():
        require_dir(folder, f'val_selection_cropped/{kind}', _selection_download(selection_root))
    gt_names = set(_png_names(folders['groundtruth_depth']))
    intrinsics_names = set(os.listdir(folders['intrinsics']))
    records = []
    for name in _png_names(folders['image']):
        match = SELECTION_NAME.match(name)
        if match is None:
            raise ValueError(f'Unexpected file name {folders["image"] / name}: expected '
                             f'<drive>_image_<frame>_image_0[23].png as in depth_selection.zip.')
        drive, frame, camera = match.group('drive', 'frame', 'camera')
        if camera not in cameras:
            continue
        gt_name = f'{drive}_groundtruth_depth_{frame}_{camera}.png'
        intrinsics_name = f'{Path(name).stem}.txt'
        for folder, paired, names in (('groundtruth_depth', gt_name, gt_names),
                                      ('intrinsics', intrinsics_name, intrinsics_names)):
            if paired not in names:
                raise FileNotFoundError(f'{folders[folder] / paired} is missing for the image '
                                        f'{folders["image"] / name}.')
        records.append(KITTIRecord(
            sample_id=f'{drive}/{camera}/{frame}', img_path=str(folders['image'] / name),
            depth_path=str(folders['groundtruth_depth'] / gt_name), drive=drive,
            camera=camera, intrinsics_path=str(folders['intrinsics'] / intrinsics_name)))
    return records


def index_test(selection_root: Path) -> List[KITTIRecord]:
    """The anonymous benchmark test frames (no ground truth), ``image/<id>.png``."""
    root = selection_root / 'test_depth_prediction_anonymous'
    image_dir, intrinsics_dir = root / 'image', root / 'intrinsics'
    for folder in (image_dir, intrinsics_dir):
        require_dir(folder, f'test_depth_prediction_anonymous/{folder.name}',
                    _selection_download(selection_root))
    records = []
    for name in _png_names(image_dir):
        intrinsics = intrinsics_dir / f'{Path(name).stem}.txt'
        if not intrinsics.is_file():
            raise FileNotFoundError(f'{intrinsics} is missing for the image {image_dir / name}.')
        records.append(KITTIRecord(sample_id=Path(name).stem, img_path=str(image_dir / name),
                                   intrinsics_path=str(intrinsics)))
    return records
