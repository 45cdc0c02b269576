"""Benchmarks behind ``tools/benchmark.py``: one module per mode.

Every comparison is measured as interleaved rounds in one process (A, B, A, B, …) and
reported as the median ratio with its spread, so that it holds on a loaded or slower
machine where absolute times do not (``mtl.benchmark.rounds``). No paper: tooling.
"""
from mtl.benchmark import (attention, combiners, data, efficiency, evaluation, inference, overhead,
                           train)

MODES = {'overhead': overhead, 'efficiency': efficiency, 'data': data,
         'synthrooms': data.SynthRooms, 'train': train, 'evaluation': evaluation,
         'inference': inference, 'attention': attention, 'combiners': combiners}
