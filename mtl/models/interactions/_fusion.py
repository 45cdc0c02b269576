"""The wiring check shared by the units that fuse tasks' features channel by channel
(cross-stitch, NDDR, feature merge): at least two tasks, one feature width among them.

No paper: these units mix the tasks' features channel by channel, which needs equal widths.
"""
from typing import List, Mapping, Sequence, Tuple


def fused_tasks(unit: str, tasks: Sequence[str], channels: Mapping[str, int]
                ) -> Tuple[List[str], int]:
    """``tasks`` as a list and their one feature width; a ValueError naming ``unit`` when
    fewer than two tasks are given or their widths differ."""
    tasks = list(tasks)
    if len(tasks) < 2:
        raise ValueError(f'{unit} connects at least two tasks, got tasks={tasks}')
    widths = {t: channels[t] for t in tasks}
    if len(set(widths.values())) != 1:
        raise ValueError(f'{unit} fuses features of equal channels, got {widths}: place it at '
                         f'a boundary where the branches have equal widths')
    return tasks, next(iter(widths.values()))
