"""The trivial baseline every depth model must beat: predict the training set's mean depth.

    python tools/mean_depth_baseline.py configs/hps_synthrooms.py [--max-samples N]

Computes the mean of the valid ground-truth depth over the training split (without
augmentation), then evaluates that constant with the config's depth metric on the test
split, and prints both (and saves them as JSON with ``--out``).
"""
import argparse

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tqdm import tqdm

from mtl.registry import DATASETS, METRICS
from mtl.structures import valid_mask
from mtl.utils.configs import find_config
from mtl.utils.cli import report_json, run_tool


def mean_depth(dataset, max_samples: int) -> float:
    total, count = 0.0, 0
    for index in tqdm(range(min(len(dataset), max_samples)), desc='mean train depth'):
        depth = dataset[index]['depth']
        valid = valid_mask('depth', depth)
        total += float(depth[0][valid].double().sum())
        count += int(valid.sum())
    return total / count


def evaluate_constant(dataset, metric_cfg: dict, value: float, max_samples: int) -> dict:
    metric = METRICS.build(metric_cfg)
    metric.dataset_meta = dataset.metainfo  # the depth range, as the runner gives it
    for index in tqdm(range(min(len(dataset), max_samples)), desc='evaluate constant'):
        depth = dataset[index]['depth']
        sample = dict(pred={metric.task: torch.full_like(depth, value)},
                      gt={metric.gt_key: depth}, meta={})
        metric.process({}, [sample])
    return metric.compute_metrics(metric.results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--max-samples', type=int, default=10 ** 9)
    parser.add_argument('--out', help='save the result as JSON')
    args = parser.parse_args()
    cfg = Config.fromfile(find_config(args.config))
    DefaultScope.get_instance('mean_depth_baseline', scope_name=cfg.get('default_scope', 'mtl'))
    train_set = DATASETS.build(dict(cfg.train_dataloader.dataset, pipeline=[]))
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    depth_metrics = [m for m in cfg.test_evaluator if m['type'].endswith('DepthMetric')]
    if not depth_metrics:
        raise ValueError(f'{args.config} has no DepthMetric in test_evaluator')
    value = mean_depth(train_set, args.max_samples)
    metrics = evaluate_constant(test_set, depth_metrics[0], value, args.max_samples)
    result = dict(config=args.config, mean_train_depth=value, metrics=metrics)
    report_json(result, args.out)


if __name__ == '__main__':
    run_tool(main)
