# NYU Depth v2, 40 classes (Gupta et al. 2013), with the protocol of Jiao et al. (ECCV 2018):
# train on the 795 official training frames, report on the 654 test frames.
# Training: the invalid image border cropped, then half resolution (240x320), with Jiao's
# augmentation (Sec. 4.1): in-plane rotation in [-5, 5] degrees, translation, horizontal flips,
# colour x[0.8, 1.2]^3 per channel and contrast x[0.5, 2.0].
# Testing: the image at half resolution, the ground truth kept at 480x640; the model's
# prediction is up-sampled back to 480x640 and scored on the Eigen crop for 1e-3 < d < 10 m.
# Files and options: docs/datasets.md; `python tools/prepare_nyud2.py data/nyud2` makes loading
# fast (the dataset picks the prepared layout up by itself).
dataset_type = 'NYUDv2Dataset'
data_root = 'data/nyud2'

# The dataset's values, stated once: they reach the dataset's metainfo (and from there the
# metrics, the visualisation and every checkpoint's meta); model configs refer to them as
# {{_base_.num_classes}}, {{_base_.min_depth}}, {{_base_.max_depth}}.
min_depth, max_depth = 1e-3, 10.0  # metres: NYU's evaluated range (Eigen et al. 2014)
class_names = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window', 'bookshelf',
    'picture', 'counter', 'blinds', 'desk', 'shelves', 'curtain', 'dresser', 'pillow', 'mirror',
    'floor mat', 'clothes', 'ceiling', 'books', 'refridgerator', 'television', 'paper', 'towel',
    'shower curtain', 'box', 'whiteboard', 'person', 'night stand', 'toilet', 'sink', 'lamp',
    'bathtub', 'bag', 'otherstructure', 'otherfurniture', 'otherprop')
num_classes = len(class_names)
palette = [
    (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128), (0, 128, 128),
    (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0), (192, 128, 0), (64, 0, 128),
    (192, 0, 128), (64, 128, 128), (192, 128, 128), (0, 64, 0), (128, 64, 0), (0, 192, 0),
    (128, 192, 0), (0, 64, 128), (128, 64, 128), (0, 192, 128), (128, 192, 128), (64, 64, 0),
    (192, 64, 0), (64, 192, 0), (192, 192, 0), (64, 64, 128), (192, 64, 128), (64, 192, 128),
    (192, 192, 128), (0, 0, 64), (128, 0, 64), (0, 128, 64), (128, 128, 64), (0, 0, 192),
    (128, 0, 192), (0, 128, 192), (128, 128, 192), (64, 0, 64)]
ignore_index = 255
metainfo = dict(classes=class_names, palette=palette, depth_range=(min_depth, max_depth),
                ignore_index=ignore_index)

train_pipeline = [
    # The largest 3:4 window centred in the frame inside its white registration border
    # (about 7 px wide): 465x620, so that the resize below keeps the aspect ratio.
    dict(type='Crop', box=(8, 10, 473, 630)),
    dict(type='Resize', size=(240, 320)),
    dict(type='RandomRotation', max_degrees=5.0),
    # Jiao et al. give no translation range: +-5% of the half-resolution frame.
    dict(type='RandomTranslation', max_shift=(16, 12)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='ColorJitter', range=(0.8, 1.2)),
    dict(type='RandomContrast', range=(0.5, 2.0)),
]
test_pipeline = [
    dict(type='Resize', scale=0.5, img_only=True),
]

split_dataset = dict(type=dataset_type, data_root=data_root, num_classes=num_classes,
                     metainfo=metainfo, depth_type='filled')
split_loader = dict(persistent_workers=True, collate_fn=dict(type='mtl_collate'))
train_dataloader = dict(
    split_loader,
    batch_size=12,  # Jiao et al. Sec. 4.1
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # val_from_train=True trains on 795 minus the scene-carved 'val' frames: use it with
    # split='val' below to select models without touching the test set.
    dataset=dict(split_dataset, split='train', val_from_train=False, pipeline=train_pipeline))
val_dataloader = dict(
    split_loader, batch_size=1, num_workers=2, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split_dataset, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader

depth_evaluator = dict(type='DepthMetric', crop='eigen_nyu', min_depth=min_depth,
                       max_depth=max_depth, depth_caps=(4, 6, 8))
val_evaluator = [
    depth_evaluator,
    dict(type='SegMetric', num_classes=num_classes, class_names=class_names),
]
test_evaluator = val_evaluator
