"""Under DDP (two gloo processes on this machine) a gradient combiner gives the shared
parameters the same gradient as one process on the same global batch: the per-loss
gradients are averaged over the ranks before they are combined (mtl/models/gradients.py).
A loss-based combiner with state (FAMO) keeps the same state on every rank."""
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

import balancing_fixtures as bf

GLOBAL_BATCH = [0, 1, 2, 3]
COMBINERS = [dict(type='NashMTL'), dict(type='FAMO')]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def worker(rank: int, port: int, results):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=2)
    try:
        half = GLOBAL_BATCH[rank * 2:rank * 2 + 2]
        for i, cfg in enumerate(COMBINERS):
            model = bf.build_model(cfg)
            ddp = DistributedDataParallel(model, device_ids=None)
            for _ in range(2):  # FAMO updates its weights from the second step on
                model.zero_grad()
                inputs, targets = bf.batch(half)
                result = ddp(inputs, targets, mode='loss')
                sum(v for k, v in result.items() if k.startswith('loss_')).backward()
            results[(rank, i)] = (bf.shared_gradient(model), model.combiner.state_dict())
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def ddp_results():
    results = mp.Manager().dict()
    # fork: the children inherit the imported modules (spawning re-imports torch, timm, mmengine)
    mp.start_processes(worker, args=(free_port(), results), nprocs=2, join=True, start_method='fork')
    return dict(results)


@pytest.mark.parametrize('index', range(len(COMBINERS)), ids=[c['type'] for c in COMBINERS])
def test_ddp_gradient_equals_the_single_process_one_on_the_global_batch(ddp_results, index):
    torch.set_num_threads(1)
    model = bf.build_model(COMBINERS[index])
    for _ in range(2):
        model.zero_grad()
        bf.total_loss(model, GLOBAL_BATCH).backward()
    single = bf.shared_gradient(model)
    for rank in range(2):
        gradient, state = ddp_results[(rank, index)]
        assert torch.allclose(gradient, single, rtol=1e-4, atol=1e-6), rank
        for key, value in model.combiner.state_dict().items():
            assert torch.allclose(state[key].double(), value.double(), atol=1e-6), key
