"""``benchmark.py inference``: images/s of the Python inference API and of the exported ONNX
model under onnxruntime, on the same images in interleaved rounds.

No paper: measurement. Three candidates per round, each over ``--iters`` images of
``--size`` (default NYU's 480×640):

- ``inference_model``: :func:`mtl.apis.inference_model` as a user calls it (the test
  pipeline, which resizes to the dataset's ``img_size`` where the config renders at a fixed
  size, normalisation, flip averaging when ``model.test_cfg.flip`` is set, outputs at the
  image's size as numpy arrays);
- ``pytorch``: the exported graph's computation in PyTorch (preprocessing and one forward
  pass of the predicted tasks, :class:`mtl.apis.export.ExportModule`, ``no_grad``) on
  images of the size the test pipeline gives the model (NYU's configs halve 480×640);
- ``onnxruntime``: that graph exported by :func:`mtl.apis.export_onnx` and run by an
  onnxruntime CPU session with as many threads as torch uses.

Prints images/s of each (median over rounds), the ratios onnxruntime / pytorch and
inference_model / pytorch with their spread, and the largest difference between the
onnxruntime and the PyTorch outputs (so that the rates compare the same computation).
Without ``--checkpoint`` the model keeps its initial weights and a pretrained backbone is
not downloaded (speed does not depend on the weights).
"""
import tempfile
from pathlib import Path

import numpy as np
import torch

from mtl.apis import export_onnx, inference_model, init_model, test_pipeline
from mtl.apis.export import ExportModule
from mtl.benchmark.rounds import format_ratio, interleave, load_cfg, ratio


def build_model(args):
    """``init_model`` of the config (and checkpoint), with ``--cfg-options``."""
    options = dict(args.cfg_options or {})
    if args.checkpoint is None:
        if 'pretrained' in (load_cfg(args.config).model.get('backbone') or {}):
            options.setdefault('model.backbone.pretrained', False)
    return init_model(args.config, args.checkpoint, cfg_options=options or None)


def input_size(model, image: torch.Tensor):
    """(H, W) the model sees for an ``image`` (H×W×3) after the config's test pipeline."""
    sample = test_pipeline(model.cfg)({'img': image.permute(2, 0, 1),
                                       'meta': {'sample_id': 'benchmark',
                                                'output_size': tuple(image.shape[:2])}})
    return tuple(sample['img'].shape[-2:])


def onnx_session(model, size, directory: str):
    import onnxruntime as ort
    path = str(Path(directory) / 'model.onnx')
    names = export_onnx(model, path, size)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
    return session, names


def run(args) -> dict:
    model = build_model(args)
    height, width = args.size
    generator = torch.Generator().manual_seed(0)
    images = (torch.rand(args.iters, height, width, 3, generator=generator) * 255).to(torch.uint8)
    model_size = input_size(model, images[0])
    batches = [torch.rand(1, 3, *model_size, generator=generator) * 255 for _ in images]
    graph = ExportModule(model, batches[0])
    with tempfile.TemporaryDirectory(prefix='mtl_inference_') as directory:
        session, names = onnx_session(model, model_size, directory)
        with torch.no_grad():
            expected = graph(batches[0])
        got = session.run(None, {'img': batches[0].numpy()})
        difference = max(float(np.abs(g - e.numpy()).max()) for g, e in zip(got, expected))

        def api():
            inference_model(model, list(images.numpy()))

        def pytorch():
            with torch.no_grad():
                for batch in batches:
                    graph(batch)

        def onnxruntime():
            for batch in batches:
                session.run(None, {'img': batch.numpy()})
        times = interleave({'inference_model': api, 'pytorch': pytorch,
                            'onnxruntime': onnxruntime}, args.rounds)
    rates = {name: sorted(args.iters / t for t in values) for name, values in times.items()}
    medians = {name: values[len(values) // 2] for name, values in rates.items()}
    # a time ratio B/A is a speed ratio A/B: "onnxruntime over pytorch" is pytorch's time / ort's
    speedups = {'onnxruntime_over_pytorch': ratio(times, 'pytorch', 'onnxruntime'),
                'inference_model_over_pytorch': ratio(times, 'pytorch', 'inference_model')}
    flip = bool((model.cfg.model.get('test_cfg') or {}).get('flip', False))
    print(f'{height}×{width} images, the model sees {model_size[0]}×{model_size[1]} (test '
          f'pipeline); {torch.get_num_threads()} threads, outputs {names}, inference_model '
          f'flip averaging: {flip}')
    for name, value in medians.items():
        print(f'  {name:<16} {value:8.2f} images/s')
    for label, value in speedups.items():
        print(format_ratio(f'speed {label.replace("_over_", " / ")}', value))
    print(f'largest |onnxruntime − pytorch| output difference: {difference:.2e}')
    return dict(benchmark='inference', config=args.config, checkpoint=args.checkpoint,
                img_size=[height, width], model_input_size=list(model_size),
                threads=torch.get_num_threads(), flip=flip,
                outputs=names, images_per_s=rates, median_images_per_s=medians,
                speed_ratios=speedups, max_abs_difference=difference)


def add_arguments(parser) -> None:
    from mmengine.config import DictAction
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='weights to load (speed does not depend on them)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--size', type=int, nargs=2, default=(480, 640), metavar=('H', 'W'))
    parser.add_argument('--rounds', type=int, default=3, help='timed rounds')
    parser.add_argument('--iters', type=int, default=4, help='images per candidate and round')
