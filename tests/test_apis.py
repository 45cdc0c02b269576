"""The Python inference API: a checkpoint alone is enough (its stored config and dataset
meta), paths, arrays and batches give per-task arrays at the image size, the results are
those of the test loop (same pipeline, resizing, flip averaging), bad input fails clearly,
and the README's snippet runs as printed."""
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ecosystem_fixtures import TINY_SIZE, synthrooms_meta, tiny_config, tiny_model, write_checkpoint
from mtl.apis import inference_model, init_model
from mtl.datasets.collate import mtl_collate
from mtl.registry import DATASETS

README = Path(__file__).resolve().parents[1] / 'README.md'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    cfg = tiny_config('hps_synthrooms.py')
    path = tmp_path_factory.mktemp('ckpt') / 'iter_1.pth'
    return write_checkpoint(cfg, tiny_model(cfg), path, synthrooms_meta(13))


def test_checkpoint_alone_gives_config_and_dataset_meta(checkpoint):
    model = init_model(checkpoint=str(checkpoint))
    assert model.cfg.test_dataloader.dataset.img_size == TINY_SIZE
    assert model.test_cfg['flip'] is True
    assert model.dataset_meta['classes'][0] == 'floor' and len(model.dataset_meta['palette']) == 13
    assert not model.training


def test_path_array_and_batch_give_arrays_at_the_image_size(checkpoint, tmp_path):
    model = init_model(checkpoint=str(checkpoint))
    rgb = np.random.default_rng(0).integers(0, 255, (50, 70, 3), np.uint8)
    Image.fromarray(rgb).save(tmp_path / 'room.png')
    from_path = inference_model(model, tmp_path / 'room.png')
    from_array = inference_model(model, rgb)
    assert set(from_path) == {'depth', 'seg'}
    assert from_path['depth'].shape == (50, 70) and from_path['depth'].dtype == np.float32
    assert (from_path['depth'] > 0).all()
    assert from_path['seg'].shape == (50, 70) and from_path['seg'].max() < 13
    np.testing.assert_array_equal(from_path['depth'], from_array['depth'])
    batch = inference_model(model, [rgb, rgb[:40, :60]])
    assert [b['seg'].shape for b in batch] == [(50, 70), (40, 60)]
    assert len(inference_model(model, np.stack([rgb, rgb]))) == 2


def test_predictions_equal_the_test_loop_with_flip_averaging(checkpoint):
    model = init_model(checkpoint=str(checkpoint))
    dataset = DATASETS.build(dict(type='SynthRoomsDataset', split='test', img_size=TINY_SIZE,
                                  num_samples=1))
    sample = dataset[0]
    with torch.no_grad():
        batch = model.data_preprocessor(mtl_collate([sample]))
        expected = model.predict(batch['inputs'], batch['data_samples'])[0]['pred']
    got = inference_model(model, sample['img'].permute(1, 2, 0).numpy())
    np.testing.assert_allclose(got['depth'], expected['depth'][0].numpy(), atol=1e-6)
    np.testing.assert_array_equal(got['seg'], expected['seg'].numpy())
    no_flip = init_model(checkpoint=str(checkpoint), cfg_options={'model.test_cfg.flip': False})
    plain = inference_model(no_flip, sample['img'].permute(1, 2, 0).numpy())
    assert not np.allclose(plain['depth'], got['depth'])


def test_bad_input_is_refused_with_the_fix(checkpoint, tmp_path):
    model = init_model(checkpoint=str(checkpoint))
    with pytest.raises(ValueError, match='uint8 H×W×3'):
        inference_model(model, np.zeros((8, 8, 3), np.float32))
    with pytest.raises(FileNotFoundError, match='nowhere.png'):
        inference_model(model, tmp_path / 'nowhere.png')
    with pytest.raises(ValueError, match='needs a config, a checkpoint'):
        init_model()
    bare = tmp_path / 'bare.pth'
    torch.save(dict(state_dict=torch.load(checkpoint, weights_only=True)['state_dict']), bare)
    with pytest.raises(ValueError, match='stores no config'):
        init_model(checkpoint=str(bare))


def test_readme_snippet_runs_as_printed(checkpoint, tmp_path, monkeypatch, capsys):
    section = README.read_text().split('## Predict from Python', 1)[1]
    snippet = re.search(r'```python\n(.*?)```', section, re.S).group(1)
    assert len(snippet.strip().splitlines()) < 10
    ckpt = tmp_path / 'work_dirs' / 'hps_synthrooms' / 'iter_1900.pth'
    ckpt.parent.mkdir(parents=True)
    ckpt.write_bytes(checkpoint.read_bytes())
    Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).save(tmp_path / 'room.jpg')
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(snippet, 'README.md', 'exec'), scope)
    assert scope['depth'].shape == scope['labels'].shape == (30, 40)
    assert 'median depth' in capsys.readouterr().out
