"""A dataset's ``metainfo``: the values its base config states once, checked against the data.

mmengine hands ``dataset.metainfo`` to the evaluator and the visualiser as ``dataset_meta``
and stores it in every checkpoint (``meta.dataset_meta``), so inference needs no dataset.
Keys (no paper defines them; they follow mmengine's ``BaseDataset.METAINFO``):

- ``classes``: class names, in label order; ``num_classes`` = their count;
- ``palette``: one RGB triple per class;
- ``ignore_index``: the label of unlabelled pixels (the sample contract's 255);
- ``depth_range``: ``(min_depth, max_depth)`` in metres, the range in which ground truth is
  valid and depth is evaluated;
- ``targets``: the target keys the samples carry, and whatever a dataset adds.

A dataset passes what it knows from its own files (``own``); the config's ``metainfo=``
(``given``) states the rest and must agree with the data where both say something.
"""
from typing import Optional, Sequence

from mtl.structures import IGNORE_INDEX

CONFIG_KEYS = ('classes', 'palette', 'ignore_index', 'depth_range')


def merge_metainfo(dataset: str, own: dict, given: Optional[dict]) -> dict:
    """``own`` updated with the config's ``given`` values, after checking that they agree.

    Raises ValueError naming ``<dataset>.metainfo`` when a given value contradicts the data
    (a class count the label files do not have, class names out of the data's label order, a
    palette of the wrong length, another ignore index, an empty depth range) or when a key is
    unknown.
    """
    given = dict(given or {})
    key = f'{dataset}.metainfo'
    unknown = sorted(set(given) - set(CONFIG_KEYS))
    if unknown:
        raise ValueError(f'{key}: unknown key(s) {unknown}; a config may state {CONFIG_KEYS}.')
    meta = dict(own)
    if 'classes' in given:
        classes = tuple(given['classes'])
        if 'num_classes' in own and len(classes) != own['num_classes']:
            raise ValueError(f'{key}.classes names {len(classes)} classes, but the data has '
                             f'{own["num_classes"]} ({dataset} was built with '
                             f'num_classes={own["num_classes"]}).')
        known = tuple(own.get('classes') or ())
        if known and classes != known:
            wrong = next(i for i, (a, b) in enumerate(zip(classes, known)) if a != b)
            raise ValueError(f'{key}.classes[{wrong}] is {classes[wrong]!r}, but the data calls '
                             f'label {wrong} {known[wrong]!r}: class names must follow the '
                             f'label order of the data ({known}).')
        meta.update(classes=classes, num_classes=len(classes))
    if 'palette' in given:
        meta['palette'] = [tuple(int(c) for c in rgb) for rgb in given['palette']]
    if len(meta.get('palette', ())) != meta.get('num_classes', 0):
        raise ValueError(f'{key}.palette has {len(meta["palette"])} colours for '
                         f'{meta.get("num_classes", 0)} classes.')
    if given.get('ignore_index', IGNORE_INDEX) != IGNORE_INDEX:
        raise ValueError(f'{key}.ignore_index is {given["ignore_index"]}, but the sample '
                         f'contract (mtl.structures) marks unlabelled pixels with '
                         f'{IGNORE_INDEX}: map them to {IGNORE_INDEX} in the dataset.')
    meta['ignore_index'] = IGNORE_INDEX
    if 'depth_range' in given:
        meta['depth_range'] = depth_range(given['depth_range'], f'{key}.depth_range')
    return meta


def depth_range(value: Sequence[float], key: str) -> tuple:
    """``(min_depth, max_depth)`` as floats, checked: ``0 <= min_depth < max_depth``."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f'{key} must be (min_depth, max_depth) in metres, '
                         f'got {value!r}.') from None
    if not 0 <= low < high:
        raise ValueError(f'{key} needs 0 <= min_depth < max_depth, got ({low}, {high}).')
    return low, high
