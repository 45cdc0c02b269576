"""One labelled picture per sample: input | ground truth | prediction | error, a row per task.

No paper: how the depth and scene-parsing literature shows results (Eigen et al. 2014,
Fig. 3; the depth toolboxes' colour-barred maps). How a row is drawn follows the kind of
the task's target (``mtl.structures.TARGET_SPECS``), never the task's name:

- ``depth``: a colour map with a colour bar in metres, over the dataset's depth range
  (``dataset_meta['depth_range']``) or, with ``per_image_range``, over the ground truth's
  range of this image; the error is |prediction − truth| in metres.
- ``labels``: for ``CLASS_TARGET`` the dataset palette with a legend of the class names
  present (other label maps: a generic palette, numbered); a one-channel (binary) label
  map or a float prediction of one (e.g. contour probabilities) is drawn as a red overlay
  on the input; the error marks wrong pixels.
- ``vector``: unit normals as RGB ((n + 1) / 2); the error is the angle in degrees.
- ``scalar``: a colour map with a colour bar; absolute error.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mtl.structures import CLASS_TARGET, IGNORE_INDEX, TARGET_SPECS
from mtl.visualization.colormaps import colorize_normals, default_palette

DEPTH_CMAP, ERROR_CMAP = 'magma_r', 'inferno'


def _masked(value: np.ndarray, valid: np.ndarray) -> np.ma.MaskedArray:
    return np.ma.masked_array(value, ~valid)


def _depth_valid(depth: np.ndarray) -> np.ndarray:
    return np.isfinite(depth) & (depth > 0)


class PanelStyle:
    """What a panel needs from the dataset: class names, palette, depth range."""

    def __init__(self, dataset_meta: Optional[dict] = None, per_image_range: bool = False):
        meta = dataset_meta or {}
        self.classes: Sequence[str] = tuple(meta.get('classes') or ())
        palette = meta.get('palette')
        self.palette = np.asarray(palette, np.uint8) if palette is not None else None
        self.depth_range = meta.get('depth_range')
        self.ignore_index = meta.get('ignore_index', IGNORE_INDEX)
        self.per_image_range = per_image_range

    def labels_for(self, key: str, maps: Sequence[np.ndarray]) -> Tuple[Sequence[str], np.ndarray]:
        """(class names, palette) of label target ``key``: the dataset's for
        ``CLASS_TARGET``, numbers and a generic palette for other label maps."""
        if key == CLASS_TARGET and self.palette is not None:
            return self.classes, self.palette
        top = max(int(x[x != self.ignore_index].max(initial=0)) for x in maps)
        names = self.classes if key == CLASS_TARGET else ()
        return names, default_palette(max(len(names), top + 1, 2))


def _draw_depth(fig, axes, img, pred, gt, style: PanelStyle, kind: str, key: str):
    pred = np.squeeze(pred).astype(np.float32)
    gt = None if gt is None else np.squeeze(gt).astype(np.float32)
    if kind == 'depth' and style.depth_range and not style.per_image_range:
        low, high = style.depth_range
    else:
        ref = gt[_depth_valid(gt)] if gt is not None and _depth_valid(gt).any() else pred.ravel()
        low, high = float(np.min(ref)), float(np.max(ref))
    unit = ' (m)' if kind == 'depth' else ''
    shown = {1: gt, 2: pred}
    for col, value in shown.items():
        if value is None:
            continue
        valid = _depth_valid(value) if kind == 'depth' else np.isfinite(value)
        image = axes[col].imshow(_masked(value, valid), cmap=DEPTH_CMAP, vmin=low, vmax=high)
        fig.colorbar(image, ax=axes[col], fraction=0.046, pad=0.02).set_label(unit.strip(' ()'))
    if gt is not None:
        valid = _depth_valid(gt) if kind == 'depth' else np.isfinite(gt)
        error = _masked(np.abs(pred - gt), valid)
        image = axes[3].imshow(error, cmap=ERROR_CMAP, vmin=0)
        fig.colorbar(image, ax=axes[3], fraction=0.046, pad=0.02).set_label(f'|error|{unit}')


def _draw_labels(fig, axes, img, pred, gt, style: PanelStyle, kind: str, key: str):
    pred, gt = np.squeeze(pred), None if gt is None else np.squeeze(gt)
    if np.issubdtype(pred.dtype, np.floating) or TARGET_SPECS[key].channels == 1:  # binary map
        for col, value in ((1, gt), (2, pred)):
            if value is not None:
                prob = np.where(value == style.ignore_index, 0, value).astype(np.float32)
                axes[col].imshow(img)
                axes[col].imshow(np.clip(prob, 0, 1), cmap='Reds', alpha=np.clip(prob, 0, 1) * .9)
        if gt is not None:
            valid = gt != style.ignore_index
            wrong = _masked((pred > 0.5) != (gt > 0), valid).astype(np.float32)
            axes[3].imshow(wrong, cmap='Reds', vmin=0, vmax=1)
        return
    maps = [m for m in (gt, pred) if m is not None]
    classes, palette = style.labels_for(key, maps)
    for col, value in ((1, gt), (2, pred)):
        if value is not None:
            rgb = palette[np.clip(value, 0, len(palette) - 1)]
            rgb[value == style.ignore_index] = 0
            axes[col].imshow(rgb)
    present = np.unique(np.concatenate([m[m != style.ignore_index].ravel() for m in maps]))
    names = [classes[c] if c < len(classes) else str(c) for c in present]
    handles = [Patch(color=palette[c] / 255, label=n) for c, n in zip(present[:12], names[:12])]
    axes[2].legend(handles=handles, loc='upper left', bbox_to_anchor=(1.0, 1.0), fontsize=6,
                   frameon=False)
    if gt is not None:
        valid = gt != style.ignore_index
        axes[3].imshow(_masked((pred != gt).astype(np.float32), valid), cmap='Reds', vmin=0, vmax=1)


def _draw_vectors(fig, axes, img, pred, gt, style: PanelStyle, kind: str, key: str):
    axes[2].imshow(colorize_normals(pred))
    if gt is not None:
        axes[1].imshow(colorize_normals(gt))
        valid = np.abs(gt).sum(0) > 0
        cosine = np.clip((pred * gt).sum(0), -1, 1)
        image = axes[3].imshow(_masked(np.degrees(np.arccos(cosine)), valid), cmap=ERROR_CMAP,
                               vmin=0, vmax=90)
        fig.colorbar(image, ax=axes[3], fraction=0.046, pad=0.02).set_label('angle (°)')


DRAW = {'depth': _draw_depth, 'scalar': _draw_depth, 'labels': _draw_labels,
        'vector': _draw_vectors}
COLUMNS = ('input', 'ground truth', 'prediction', 'error')


def figure_to_rgb(fig: Figure) -> np.ndarray:
    """Render a matplotlib figure off-screen to an RGB uint8 array."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def sample_panel(img: np.ndarray, preds: Dict[str, np.ndarray], gts: Dict[str, np.ndarray],
                 targets: Dict[str, str], style: PanelStyle, title: str = '',
                 prediction_title: str = 'prediction') -> np.ndarray:
    """An RGB uint8 picture of one sample.

    Args:
        img: H×W×3 uint8 RGB input.
        preds: ``{task: prediction}`` as the heads' ``predict`` gives them.
        gts: ``{target key: ground truth}`` (may lack some or all targets).
        targets: ``{task: target key}``, which decides how a row is drawn.
        prediction_title: the title of the prediction column (``browse_dataset`` shows
            targets there).
    """
    tasks, columns = list(preds), (0, 1, 2, 3) if gts else (0, 2)
    width = 2.6 * len(columns) + 1.0  # inches; the last one holds the legends
    fig = Figure(figsize=(width, 2.1 * len(tasks)), dpi=72)
    grid = fig.subplots(len(tasks), len(columns), squeeze=False)
    for row, task in enumerate(tasks):
        axes, key = [None] * 4, targets[task]
        for col, ax in zip(columns, grid[row]):
            axes[col] = ax
        spec = TARGET_SPECS.get(key)
        if spec is None:
            raise KeyError(f'Task "{task}" predicts target "{key}", which is not declared; '
                           f'declare it with mtl.structures.register_target()')
        axes[0].imshow(img)
        DRAW[spec.kind](fig, axes, img, np.asarray(preds[task]), gts.get(key), style, spec.kind, key)
        for col, ax in zip(columns, grid[row]):
            ax.set_xticks([]), ax.set_yticks([])
            if row == 0:
                ax.set_title(prediction_title if col == 2 else COLUMNS[col], fontsize=9)
        axes[0].set_ylabel(task, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.subplots_adjust(left=0.03, right=1 - 0.9 / width, top=0.9 if title else 0.93, bottom=0.02,
                        wspace=0.35, hspace=0.1)
    return figure_to_rgb(fig)
