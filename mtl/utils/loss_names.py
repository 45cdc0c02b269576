"""Mappings keyed by loss names, given flat or nested.

Loss names contain dots (``'seg.ce'``, ``'depth@1.l1'``), and mmengine's
``--cfg-options`` splits keys on dots: ``model.combiner.weights.seg.ce=0.5`` arrives as
``weights={'seg': {'ce': 0.5}}``. Components that take ``{loss name: value}`` accept both
forms through :func:`flatten_loss_mapping`.
"""
from typing import Any, Dict, Mapping


def flatten_loss_mapping(mapping: Mapping[str, Any], key: str = 'weights') -> Dict[str, Any]:
    """``{'seg': {'ce': 0.5}, 'depth.berhu': 1.0}`` -> ``{'seg.ce': 0.5, 'depth.berhu': 1.0}``.

    A name given both flat and nested takes the nested value: that is the form the
    command line writes over a config's flat entry. ``key`` names the config entry in
    errors.
    """
    flat, nested = {}, {}
    for name, value in (mapping or {}).items():
        if isinstance(value, Mapping):
            if not value:
                raise ValueError(f'{key}["{name}"] is an empty mapping; give a value per loss, '
                                 f'e.g. {key}.{name}.ce=0.5')
            for inner, leaf in flatten_loss_mapping(value, f'{key}.{name}').items():
                nested[f'{name}.{inner}'] = leaf
        else:
            flat[name] = value
    return {**flat, **nested}
