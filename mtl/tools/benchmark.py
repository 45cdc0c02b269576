"""Speed benchmarks; every comparison is interleaved rounds in one process (docs/performance.md).

    python tools/benchmark.py overhead CONFIG [--rounds 5 --iters 5]
        train_step and the full runner against a hand-written PyTorch loop (time ratios),
        and one optimizer group per parameter against merged groups.
    python tools/benchmark.py efficiency CONFIG [--rounds 5 --profile]
        achieved FLOP/s of the train step over the fp32 GEMM rate of this machine.
    python tools/benchmark.py data CONFIG [--workers N --rounds 5]
        data-pipeline throughput over train-step throughput (should be >= 2).
    python tools/benchmark.py synthrooms [--num 200 --size 96 128]
        SynthRooms rendering speed (samples/s on one core).
    python tools/benchmark.py train CONFIG [--iters 20 --device cpu|cuda --amp bf16|fp16 ...]
        train-step throughput (samples/s) and peak memory, with the GPU switches.
    python tools/benchmark.py evaluation CONFIG [--images 654 --size 480 640]
        metric accumulation time over the model's forward time on an NYU-sized set.
    python tools/benchmark.py inference CONFIG [--checkpoint CKPT --size 480 640 --iters 4]
        images/s of mtl.apis.inference_model, of the same graph in PyTorch and of its ONNX
        export under onnxruntime, in interleaved rounds.
    python tools/benchmark.py attention [--sizes 1024 2048 4096 --chunk 256 --device cpu|cuda]
        peak memory of the attention loss (CI-Net Eq. 4) against the number of pixels N,
        computed whole (N×N) and in row blocks: O(N²) against O(N).
    python tools/benchmark.py combiners CONFIG --combiners FixedWeighting PCGrad ... [--rounds 3]
        train-step time and peak memory of each loss combiner, as ratios to the first.

Results are printed and, with ``--out FILE``, saved as JSON.
"""
import argparse

from mtl.benchmark import MODES
from mtl.utils.cli import report_json, run_tool


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', help='save the results as JSON here')
    sub = parser.add_subparsers(dest='command', required=True)
    for name, module in MODES.items():
        module.add_arguments(sub.add_parser(name, help=module.__doc__.split('\n')[0]))
    return parser.parse_args()


def main():
    args = parse_args()
    result = MODES[args.command].run(args)
    report_json(result, args.out)


if __name__ == '__main__':
    run_tool(main)
