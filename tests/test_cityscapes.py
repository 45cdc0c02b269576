"""CityscapesDataset on tiny files in the downloaded formats, and the official evaluation
(cityscapesscripts) against SegMetric on the same predictions."""
import json

import cv2
import numpy as np
import pytest
import torch
from cityscapes_fixtures import CAMERA, write_cityscapes

from mtl.datasets.cityscapes import CLASSES, CityscapesDataset, label_to_train_id
from mtl.evaluation.cityscapes_metric import CityscapesMetric
from mtl.evaluation.seg_metric import SegMetric


def test_label_table_is_the_official_19_classes():
    assert len(CLASSES) == 19 and CLASSES[0] == 'road' and CLASSES[13] == 'car'
    ids = np.array([7, 26, 24, 23, 0, 4, 33, 255], dtype=np.uint8)
    assert label_to_train_id(ids).tolist() == [0, 13, 11, 10, 255, 255, 18, 255]


def test_samples_decode_labels_and_depth_from_disparity(tmp_path):
    written = write_cityscapes(tmp_path, 'val')
    dataset = CityscapesDataset(str(tmp_path), split='val')
    assert len(dataset) == 4 and dataset.metainfo['num_classes'] == 19
    sample = dataset[0]
    data = written[sample['meta']['sample_id']]
    assert sample['img'].shape == (3, 16, 32) and sample['img'].dtype == torch.uint8
    assert np.array_equal(sample['img'].permute(1, 2, 0).numpy(), data['rgb'])
    assert torch.equal(sample['seg'], torch.from_numpy(label_to_train_id(data['labels'])).long())
    depth, p = sample['depth'][0].numpy(), data['disparity'].astype(np.float64)
    b, fx = CAMERA['extrinsic']['baseline'], CAMERA['intrinsic']['fx']
    valid = p > 1
    assert depth[0, 0] == 0 and depth[0, 1] == 0  # p = 0 is invalid; p = 1 is disparity 0
    assert np.allclose(depth[valid], b * fx / ((p[valid] - 1) / 256), rtol=1e-6)
    assert (depth[~valid] == 0).all()
    k = sample['meta']['intrinsics']
    assert k[0, 0] == fx and k[1, 2] == CAMERA['intrinsic']['v0']
    assert sample['meta']['seg_path'].endswith('_gtFine_labelIds.png')


def test_labels_only_samples_for_weak_supervision(tmp_path):
    write_cityscapes(tmp_path, 'train')
    for path in (tmp_path / 'disparity').rglob('*.png'):
        path.unlink()
    sample = CityscapesDataset(str(tmp_path), targets=('seg',))[0]
    assert 'depth' not in sample and 'seg' in sample and 'intrinsics' in sample['meta']


def test_missing_and_malformed_files_name_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'leftImg8bit_trainvaltest.*docs/datasets.md'):
        CityscapesDataset(str(tmp_path))
    write_cityscapes(tmp_path, 'train')
    next((tmp_path / 'disparity').rglob('*.png')).unlink()
    with pytest.raises(FileNotFoundError, match=r'1 of 4 .*_disparity.png.*disparity_trainvaltest'):
        CityscapesDataset(str(tmp_path))
    write_cityscapes(tmp_path, 'train')
    camera = next((tmp_path / 'camera').rglob('*.json'))
    camera.write_text(json.dumps({'intrinsic': CAMERA['intrinsic']}))
    dataset = CityscapesDataset(str(tmp_path))
    with pytest.raises(ValueError, match='extrinsic.baseline'):
        [dataset[i] for i in range(len(dataset))]
    label = next((tmp_path / 'gtFine').rglob('*_labelIds.png'))
    cv2.imwrite(str(label), np.zeros((16, 32), np.uint16))
    with pytest.raises(ValueError, match='single-channel uint8'):
        [CityscapesDataset(str(tmp_path), targets=('seg',))[i] for i in range(4)]
    with pytest.raises(ValueError, match='Unknown Cityscapes split'):
        CityscapesDataset(str(tmp_path), split='trainval')


def predictions(dataset, seed=0):
    """Noisy predictions: the ground truth with a third of the pixels replaced at random."""
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(len(dataset)):
        sample = dataset[i]
        gt = sample['seg'].clone()
        pred = torch.where(gt == 255, 0, gt)
        noise = torch.from_numpy(rng.random(gt.shape) < 0.3)
        pred[noise] = torch.from_numpy(rng.integers(0, 19, size=int(noise.sum())))
        samples.append(dict(pred=dict(seg=pred), gt=dict(seg=gt), meta=sample['meta']))
    return samples


def test_official_class_iou_agrees_with_seg_metric(tmp_path):
    write_cityscapes(tmp_path, 'val')
    samples = predictions(CityscapesDataset(str(tmp_path), split='val', targets=('seg',)))
    official, ours = CityscapesMetric(), SegMetric(num_classes=19, class_names=CLASSES)
    official.process({}, samples)
    ours.process({}, samples)
    a, b = official.compute_metrics(official.results), ours.compute_metrics(ours.results)
    assert a['miou'] == pytest.approx(b['miou'], abs=1e-12)
    for name in CLASSES:
        assert (np.isnan(a[f'iou/{name}']) and np.isnan(b[f'iou/{name}'])
                or a[f'iou/{name}'] == pytest.approx(b[f'iou/{name}'], abs=1e-12)), name
    assert 0 < a['iiou'] < 1 and 'miou_category' in a


def test_official_iiou_by_hand_for_a_perfect_car_and_a_missed_person(tmp_path):
    written = write_cityscapes(tmp_path, 'val', cities=('aachen',), frames_per_city=1)
    dataset = CityscapesDataset(str(tmp_path), split='val', targets=('seg',))
    gt = dataset[0]['seg']
    pred = torch.where(gt == 11, 0, gt).masked_fill(gt == 255, 10)  # person → road
    metric = CityscapesMetric()
    metric.process({}, [dict(pred=dict(seg=pred), gt=dict(seg=gt), meta=dataset[0]['meta'])])
    scores = metric.compute_metrics(metric.results)
    # car: every instance pixel right and no false positive → iIoU 1; person: tp = 0 → 0.
    assert scores['iou/car'] == 1.0 and scores['iou/person'] == 0.0
    assert scores['iiou'] == pytest.approx(0.5)  # the mean over the two classes present
    labels = list(written.values())[0]['labels']
    assert (labels == 26).any() and (labels == 24).any()


def test_prediction_at_the_wrong_size_is_refused(tmp_path):
    write_cityscapes(tmp_path, 'val', cities=('aachen',), frames_per_city=1)
    sample = CityscapesDataset(str(tmp_path), split='val', targets=('seg',))[0]
    metric = CityscapesMetric()
    with pytest.raises(ValueError, match='full resolution'):
        metric.process({}, [dict(pred=dict(seg=torch.zeros(8, 16, dtype=torch.long)),
                                 gt=dict(seg=sample['seg']), meta=sample['meta'])])
