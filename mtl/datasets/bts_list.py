"""The split-list format of BTS (Lee et al., "From Big to Small", 2019): one parser for it.

One ``rgb_path gt_path focal`` line per frame, e.g. ``nyudepthv2_test_files_with_gt.txt`` and
``eigen_test_files_with_gt.txt``: the RGB image and the ground-truth depth, each relative to a
root the dataset knows, and the focal length in pixels. ``gt_path`` is ``None`` where the frame
has no ground truth. Blank lines are ignored; a leading ``/`` on a path is dropped, so that the
path stays relative to its root. A format, not a paper: no equation applies.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Union


@dataclass(frozen=True)
class SplitEntry:
    """One line of a BTS split list: paths as written in the file (``gt_path`` None: no GT)."""
    rgb_path: str
    gt_path: Optional[str]
    focal: float
    line_no: int


def read_bts_list(path: Union[str, Path]) -> List[SplitEntry]:
    """Every entry of the list at ``path``, in file order; raise naming the line on a bad one."""
    entries: List[SplitEntry] = []
    for line_no, line in enumerate(Path(path).read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise ValueError(f'{path}, line {line_no}: expected "rgb_path gt_path focal", got '
                             f'{len(fields)} fields: {line!r}.')
        rgb_path, gt_path, focal = fields
        try:
            focal_px = float(focal)
        except ValueError:
            raise ValueError(f'{path}, line {line_no}: the focal length {focal!r} is not a '
                             f'number.') from None
        gt = None if gt_path == 'None' else gt_path.lstrip('/')
        entries.append(SplitEntry(rgb_path.lstrip('/'), gt, focal_px, line_no))
    if not entries:
        raise ValueError(f'{path} lists no samples.')
    return entries
