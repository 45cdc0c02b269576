"""Weighted cross-entropy with class weights from the training set's frequencies (CI-Net,
Eq. 12), and the hook that counts the labels once (cached)."""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from mtl.engine.label_counts import LabelCountsHook, count_labels
from mtl.models.losses.cross_entropy import frequency_weights
from mtl.registry import DATASETS, MODELS


def frequency_ce(**kwargs):
    return MODELS.build(dict(type='CrossEntropyLoss', class_weight='frequency', target_key='seg',
                             **kwargs))


def test_frequency_weights_by_hand():
    # N = 10: ω = (10 − 6)/10, (10 − 3)/10, (10 − 1)/10
    assert frequency_weights(torch.tensor([6, 3, 1])).tolist() == pytest.approx([0.4, 0.7, 0.9])
    with pytest.raises(ValueError, match='no labelled pixel'):
        frequency_weights(torch.zeros(3))


def test_equation_12_sum_and_weighted_mean_by_hand():
    pred = torch.tensor([[0.0, 0.0, 0.0], [math.log(2.0), 0.0, 0.0]]).T.reshape(1, 3, 1, 2)
    target = torch.tensor([[[0, 1]]])
    # pixel 0: p(0) = 1/3; pixel 1: p(1) = 1/(2 + 1 + 1) = 1/4; ω = (0.4, 0.7, 0.9)
    terms = [0.4 * math.log(3.0), 0.7 * math.log(4.0)]
    summed = frequency_ce(reduction='sum')
    summed.set_label_counts(torch.tensor([6, 3, 1]))
    assert summed(pred, target).item() == pytest.approx(sum(terms), rel=1e-6)
    mean = frequency_ce()
    mean.set_label_counts(torch.tensor([6, 3, 1]))
    assert mean(pred, target).item() == pytest.approx(sum(terms) / (0.4 + 0.7), rel=1e-6)
    unseen = frequency_ce(reduction='sum')  # class 2 absent from the counts: N_2 = 0, ω_2 = 1
    unseen.set_label_counts(torch.tensor([6, 4]))
    assert unseen.weights_for(pred).tolist() == pytest.approx([0.4, 0.6, 1.0])


def test_frequency_weights_need_the_hook():
    with pytest.raises(RuntimeError, match='LabelCountsHook'):
        frequency_ce()(torch.zeros(1, 3, 1, 2), torch.zeros(1, 1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match='frequency'):
        MODELS.build(dict(type='CrossEntropyLoss', class_weight='inverse'))
    assert MODELS.build(dict(type='CrossEntropyLoss')).label_counts_key() is None


def test_count_labels_leaves_out_the_ignore_index():
    samples = [{'seg': torch.tensor([[0, 2], [255, 2]])}, {'seg': torch.tensor([[3, 0]])}]
    assert count_labels(samples, 'seg').tolist() == [2, 0, 2, 1]
    assert count_labels(samples, 'seg', max_samples=1).tolist() == [1, 0, 2]
    with pytest.raises(KeyError, match='"depth"'):
        count_labels(samples, 'depth')


def test_hook_counts_the_training_set_without_its_pipeline_and_caches(tmp_path, monkeypatch):
    model = MODELS.build(dict(
        type='MultiTaskModel',
        backbone=dict(type='TimmBackbone', model_name='resnet10t', pretrained=False,
                      out_indices=(4,)),
        tasks=dict(seg=dict(branch=dict(type='UpConvDecoder', channels=(8, 8)),
                            head=dict(type='SegHead', num_classes=4))),
        losses={'seg.ce': dict(type='CrossEntropyLoss', class_weight='frequency')}))
    loss = model.losses['seg__ce']
    assert loss.label_counts_key() == 'seg'  # the model tells the loss its target
    dataset = dict(type='SynthRoomsDataset', split='train', num_samples=2, img_size=(16, 24),
                   num_classes=4, pipeline=[dict(type='RandomScaleCrop', scale=(1.0, 1.5))])
    runner = SimpleNamespace(model=model, cfg=Config(dict(train_dataloader=dict(dataset=dataset))),
                             logger=MMLogger.get_instance('label_counts_test'))
    LabelCountsHook(cache_dir=str(tmp_path)).before_train(runner)
    plain = DATASETS.build(dict(dataset, pipeline=[]))
    expected = count_labels(plain, 'seg')
    ignored = sum(int((plain[i]['seg'] == 255).sum()) for i in range(2))
    assert int(expected.sum()) == 2 * 16 * 24 - ignored
    assert torch.allclose(loss.class_weight, frequency_weights(expected))
    assert len(list(tmp_path.glob('*.json'))) == 1

    def no_build(cfg):
        raise AssertionError('the cached counts should be used')
    monkeypatch.setattr(DATASETS, 'build', no_build)
    loss.class_weight = None
    LabelCountsHook(cache_dir=str(tmp_path)).before_train(runner)
    assert torch.allclose(loss.class_weight, frequency_weights(expected))
