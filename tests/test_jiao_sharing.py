"""Jiao et al.'s information-sharing structures (supplement §2, Fig. 2, Tables 1-2) as
configs: each builds on both datasets, each trains a few iterations on tiny SynthRooms
images, the structures connect the two task networks as the figure draws them, and the
fine-tuned chain starts its second run from the first run's weights."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from jiao_fixtures import one_thread  # noqa: F401  (autouse)
from mtl.engine.runner_utils import build_runner
from mtl.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs' / 'jiao_sharing'
STRUCTURES = ('single_depth', 'single_seg', 'finetuned_depth_to_seg', 'finetuned_seg_to_depth',
              'cascaded_depth_first', 'cascaded_seg_first', 'merge_in',
              *(f'branch_out_s{k}' for k in range(1, 6)))
LAYERS = 5


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / f'{name}.py'))


def tiny(cfg: Config, work_dir: Path, iters: int = 2) -> Config:
    """The config trained for ``iters`` steps of batch 2 on four 32×48 rooms, no validation."""
    cfg.train_cfg.max_iters = iters
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(num_samples=4, img_size=(32, 48))
    cfg.default_hooks.checkpoint.interval = iters
    cfg.default_hooks.pop('visualization')
    cfg.work_dir, cfg.log_level = str(work_dir), 'WARNING'
    return cfg


@pytest.mark.parametrize('dataset', ['synthrooms', 'nyud2_4c'])
def test_every_structure_has_a_config_on_both_datasets(dataset):
    names = {p.stem for p in CONFIGS.glob(f'{dataset}_*.py')}
    assert names == {f'{dataset}_{s}' for s in STRUCTURES}
    for structure in STRUCTURES:
        model = MODELS.build(load(f'{dataset}_{structure}').model)
        assert all(len(b.stages) == LAYERS for t, b in model.branches.items()), structure
        if structure.startswith('branch_out'):
            k = int(structure[-1])
            assert [model.branches['depth'].stages[i] is model.branches['seg'].stages[i]
                    for i in range(LAYERS)] == [i < k for i in range(LAYERS)]


def test_branch_out_split_point_is_one_value():
    single = MODELS.build(load('synthrooms_single_depth').model)
    per_layer = [sum(p.numel() for p in stage.parameters()) for stage in single.branches['depth'].stages]
    heads = sum(p.numel() for n, p in MODELS.build(load('synthrooms_merge_in').model).named_parameters()
                if n.startswith('heads.'))
    for k in range(1, LAYERS + 1):
        cfg = load('synthrooms_branch_out_s1')
        cfg.merge_from_dict({'model.shared_stages.trunk.stop': k})  # as --cfg-options does
        model = MODELS.build(cfg.model)
        # two networks, the first k layers counted once
        assert sum(p.numel() for p in model.parameters()) == \
            2 * sum(per_layer) - sum(per_layer[:k]) + heads
        assert sum(p.numel() for p in model.shared_parameters()) == sum(per_layer[:k])


@pytest.mark.parametrize('structure', ['cascaded_depth_first', 'cascaded_seg_first', 'merge_in',
                                       'branch_out_s2', 'branch_out_s5'])  # singles: the chain test
def test_structure_trains_on_synthrooms(structure, tmp_path):
    runner = build_runner(tiny(load(f'synthrooms_{structure}'), tmp_path))
    model = runner.model
    before = {id(p): p.detach().clone() for p in model.parameters()}
    runner.train()
    # every layer of every task network and every head was trained (a shared layer is one
    # module, reached from both networks)
    for part in [*(s for b in model.branches.values() for s in b.stages), *model.heads.values()]:
        assert all(not torch.equal(before[id(p)], p) for p in part.parameters())
    assert (tmp_path / 'iter_2.pth').is_file()


def test_finetuned_chain_starts_from_the_first_runs_network(tmp_path):
    first = build_runner(tiny(load('synthrooms_single_depth'), tmp_path / 'first'))
    first.train()
    trained = {n: v.clone() for n, v in first.model.state_dict().items()}
    cfg = tiny(load('synthrooms_finetuned_depth_to_seg'), tmp_path / 'second')
    assert cfg.load_from == 'work_dirs/synthrooms_single_depth'  # the first config's default work dir
    cfg.load_from = str(tmp_path / 'first')  # here: the test's work dir, as --cfg-options would
    second = build_runner(cfg)
    new_head = {n: v.clone() for n, v in second.model.heads.state_dict().items()}
    second.load_or_resume()
    loaded = second.model.state_dict()
    # the depth network's five layers (weights and batch-norm statistics) became the semantic one's
    layers = [n for n in trained if n.startswith('branches.depth.')]
    assert len({n.split('.')[3] for n in layers}) == LAYERS
    assert all(torch.equal(trained[n], loaded[n.replace('.depth.', '.seg.', 1)]) for n in layers)
    # the segmentation head is new: as built, not from the checkpoint
    assert all(torch.equal(v, second.model.heads.state_dict()[n]) for n, v in new_head.items())
    second.train()  # fine-tuning runs from there


def test_finetuned_chain_says_to_train_the_first_run(tmp_path):
    cfg = tiny(load('synthrooms_finetuned_seg_to_depth'), tmp_path / 'second')
    cfg.load_from = str(tmp_path / 'never_trained')
    with pytest.raises(FileNotFoundError, match='never_trained" does not exist: train the run'):
        build_runner(cfg).train()
