# SUN RGB-D (Song, Lichtenberg & Xiao, CVPR 2015), 37 classes: the official split of 5285
# training and 5050 test frames, read from the release as downloaded (docs/datasets.md,
# "SUN RGB-D"). Frames come from four sensors in different sizes: every image is resized to
# 480x640 (training: with its targets; testing: the image only, the ground truth stays at
# the frame's size and the prediction is up-sampled back to it, one frame per batch).
# Augmentation as CI-Net's Sec. 4.2 lists it: rotation, scaling with a crop, flip, colour.
dataset_type = 'SUNRGBDDataset'
data_root = 'data/sunrgbd'

# The dataset's values, stated once (model configs use {{_base_.num_classes}} etc.).
# Depth: the toolbox decodes millimetres; we evaluate 1 mm to 10 m, NYU's range, which covers
# the Kinect and RealSense sensors of the set.
min_depth, max_depth = 1e-3, 10.0
class_names = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window', 'bookshelf',
    'picture', 'counter', 'blinds', 'desk', 'shelves', 'curtain', 'dresser', 'pillow', 'mirror',
    'floor mat', 'clothes', 'ceiling', 'books', 'fridge', 'tv', 'paper', 'towel',
    'shower curtain', 'box', 'whiteboard', 'person', 'night stand', 'toilet', 'sink', 'lamp',
    'bathtub', 'bag')
num_classes = len(class_names)
palette = [
    (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128), (0, 128, 128),
    (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0), (192, 128, 0), (64, 0, 128),
    (192, 0, 128), (64, 128, 128), (192, 128, 128), (0, 64, 0), (128, 64, 0), (0, 192, 0),
    (128, 192, 0), (0, 64, 128), (128, 64, 128), (0, 192, 128), (128, 192, 128), (64, 64, 0),
    (192, 64, 0), (64, 192, 0), (192, 192, 0), (64, 64, 128), (192, 64, 128), (64, 192, 128),
    (192, 192, 128), (0, 0, 64), (128, 0, 64), (0, 128, 64), (128, 128, 64), (0, 0, 192),
    (128, 0, 192)]
ignore_index = 255
metainfo = dict(classes=class_names, palette=palette, depth_range=(min_depth, max_depth),
                ignore_index=ignore_index)
img_size = (480, 640)

train_pipeline = [
    dict(type='Resize', size=img_size),
    dict(type='RandomRotation', max_degrees=5.0),
    dict(type='RandomScaleCrop', scale=(1.0, 1.5)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='ColorJitter', range=(0.8, 1.2)),
]
test_pipeline = [dict(type='Resize', size=img_size, img_only=True)]

train_dataloader = dict(
    batch_size=8,  # not given by CI-Net
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', depth_type='filled',
                 metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', depth_type='filled',
                 metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader

depth_evaluator = dict(type='DepthMetric', min_depth=min_depth, max_depth=max_depth)
val_evaluator = [
    depth_evaluator,
    dict(type='SegMetric', num_classes=num_classes, class_names=class_names),
]
test_evaluator = val_evaluator
