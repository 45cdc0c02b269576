"""``benchmark.py evaluation``: what the metrics cost next to the model's forward pass.

No paper: measurement. Rounds alternate the model's predict mode on a batch of images of
``--size`` (default NYU's 480×640) and the config's test evaluator processing those
predictions (per-image sums); ``evaluate()`` over all images is timed at the end and
added to the metric time. Both wall-clock and process CPU time are reported: on a
shared machine the CPU-time ratio is the steadier one. Ground truth: the predictions themselves, float maps scaled by
a random factor per pixel in [0.8, 1.25], so every target is real-size and in range.
Goal: evaluation time < 5 % of forward time (``--images 654``, the NYU test set).
"""
import time

import torch
from mmengine.evaluator import Evaluator

from mtl.benchmark.rounds import load_cfg
from mtl.registry import DATASETS, MODELS


def fake_targets(model, images: torch.Tensor, generator) -> dict:
    """One target per task, shaped and typed as the task's prediction (see the module doc)."""
    predictions = model.predict(images, {})
    targets = {}
    for task, key in model.task_targets().items():
        pred = torch.stack([p['pred'][task] for p in predictions])
        if pred.is_floating_point():
            pred = pred * (0.8 + 0.45 * torch.rand(pred.shape, generator=generator))
        targets[key] = pred
    return targets


def test_metainfo(cfg) -> dict:
    """The test set's metainfo (class names, depth range, …) that mmengine's test loop
    would hand the metrics: from the dataset config, else from the built dataset."""
    dataset_cfg = cfg.test_dataloader.dataset
    if dataset_cfg.get('metainfo') is not None:
        return dict(dataset_cfg.metainfo)
    return DATASETS.build(dataset_cfg).metainfo


def run(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    model = MODELS.build(cfg.model).eval()
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = test_metainfo(cfg)
    generator = torch.Generator().manual_seed(0)
    height, width = args.size
    images = torch.rand(args.batch_size, 3, height, width, generator=generator) * 255
    wall = dict(forward=0.0, metrics=0.0)
    cpu = dict(forward=0.0, metrics=0.0)  # process CPU time: what a shared machine cannot steal
    done = 0

    def timed(name, run):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = run()
        wall[name] += time.perf_counter() - start
        cpu[name] += time.process_time() - cpu_start
        return out

    with torch.no_grad():
        inputs = model.data_preprocessor({'img': images}, False)['inputs']
        samples = dict(fake_targets(model, inputs, generator),
                       meta=[{} for _ in range(args.batch_size)])
        while done < args.images:
            predictions = timed('forward', lambda: model.predict(inputs, samples))
            timed('metrics', lambda: evaluator.process(predictions))
            done += args.batch_size
        metrics = timed('metrics', lambda: evaluator.evaluate(done))
    fraction = wall['metrics'] / wall['forward']
    cpu_fraction = cpu['metrics'] / cpu['forward']
    result = dict(benchmark='evaluation', config=args.config, images=done, img_size=[height, width],
                  threads=torch.get_num_threads(), forward_s=wall['forward'],
                  metrics_s=wall['metrics'], evaluation_over_forward=fraction,
                  forward_cpu_s=cpu['forward'], metrics_cpu_s=cpu['metrics'],
                  evaluation_over_forward_cpu=cpu_fraction, metrics=sorted(metrics))
    print(f'{done} images at {height}×{width}, {torch.get_num_threads()} threads: forward '
          f'{wall["forward"]:.2f} s, metrics {wall["metrics"]:.3f} s ({100 * fraction:.2f} % of '
          f'forward); CPU time: {100 * cpu_fraction:.2f} % of forward')
    return result


def add_arguments(parser) -> None:
    from mmengine.config import DictAction
    parser.add_argument('config', help='a config whose model and test_evaluator are measured')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--images', type=int, default=654)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--size', type=int, nargs=2, default=(480, 640), metavar=('H', 'W'))
