"""Counts the training set's labelled pixels per class, once, for the modules that need it
(:class:`mtl.models.base.UsesLabelCounts`, e.g. class weights from frequencies). No paper:
framework plumbing.

Before training, for each label key such a module asks for, the hook reads every sample of
the training set *without its pipeline* (so random crops and flips do not change the
counts) and counts the pixels of each class, leaving out the ignore index. The counts are
cached as JSON under ``cache_dir``, keyed by a hash of the training set's config (pipeline
removed) and the label key, so that later runs and resumed runs skip the pass.

    custom_hooks = [dict(type='LabelCountsHook')]
"""
import hashlib
import json
from pathlib import Path
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mtl.models.base import UsesLabelCounts
from mtl.registry import DATASETS, HOOKS
from mtl.structures import IGNORE_INDEX


def count_labels(dataset, key: str, ignore_index: int = IGNORE_INDEX,
                 max_samples: Optional[int] = None) -> torch.Tensor:
    """``counts[c]``: pixels of class ``c`` in ``dataset[i][key]`` over the (first
    ``max_samples``) samples."""
    counts = torch.zeros(0, dtype=torch.long)
    for index in range(min(len(dataset), max_samples or len(dataset))):
        sample = dataset[index]
        if key not in sample:
            raise KeyError(f'LabelCountsHook: sample {index} of {type(dataset).__name__} has no '
                           f'"{key}" (it has {sorted(sample)}).')
        labels = torch.as_tensor(sample[key]).long().flatten()
        labels = labels[labels != ignore_index]
        found = torch.bincount(labels)
        size = max(len(counts), len(found))
        counts = torch.nn.functional.pad(counts, (0, size - len(counts))) + \
            torch.nn.functional.pad(found, (0, size - len(found)))
    return counts


@HOOKS.register_module()
class LabelCountsHook(Hook):
    """See the module docstring.

    Args:
        cache_dir: where the counts are cached (``None``: no cache).
        max_samples: count only the first samples of the training set (``None``: all).
        dataset: the dataset config to count (default: the runner config's
            ``train_dataloader.dataset``).
    """

    priority = 'VERY_HIGH'

    def __init__(self, cache_dir: Optional[str] = '~/.cache/mtl/label_counts',
                 max_samples: Optional[int] = None, dataset: Optional[dict] = None):
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.max_samples, self.dataset = max_samples, dataset

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        requests: Dict[str, List[UsesLabelCounts]] = {}
        for _, module in model.modules_implementing(UsesLabelCounts):
            if module.label_counts_key():
                requests.setdefault(module.label_counts_key(), []).append(module)
        dataset_cfg = self.dataset or (runner.cfg.get('train_dataloader') or {}).get('dataset')
        if requests and dataset_cfg is None:
            raise ValueError('LabelCountsHook reads the training set from the runner\'s config '
                             '(train_dataloader.dataset): build the runner with Runner.from_cfg, '
                             'as tools/train.py does, or give the hook dataset=<config>.')
        for key, modules in requests.items():
            counts = self.counts(dataset_cfg, key, runner.logger)
            for module in modules:
                module.set_label_counts(counts)

    def counts(self, dataset_cfg, key: str, logger) -> torch.Tensor:
        cfg = dict(dataset_cfg)
        cfg['pipeline'] = []
        digest = hashlib.sha1(json.dumps([repr(sorted(cfg.items())), key, self.max_samples])
                              .encode()).hexdigest()[:16]
        cache = self.cache_dir / f'{digest}.json' if self.cache_dir else None
        if cache is not None and cache.is_file():
            return torch.tensor(json.loads(cache.read_text())['counts'])
        dataset = DATASETS.build(cfg)
        logger.info(f'LabelCountsHook: counting "{key}" over {len(dataset)} training samples')
        counts = count_labels(dataset, key, max_samples=self.max_samples)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(dict(key=key, dataset=repr(cfg), counts=counts.tolist())))
        return counts
