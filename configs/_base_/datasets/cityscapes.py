# Cityscapes fine annotations (Cordts et al. 2016): 2975 train / 500 val frames of 1024x2048,
# the 19 evaluation classes, depth from the disparity maps and camera files (metres, 0 = no
# disparity). Layout and downloads: docs/datasets.md (Cityscapes).
# Training as PAD-Net (Xu et al. 2018, Sec. 4.1): scales {0.5, 0.75, 1, 1.25, 1.75}, flips, 640
# crops (square; a frame shrunk below 640 rows is padded with invalid labels). Testing: the full
# frame; the official evaluation (class IoU and iIoU) reads the label files themselves.
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'
num_classes = 19
min_depth = 1e-3
max_depth = 80.0  # cap for metrics and depth heads; far disparities reach hundreds of metres
crop_size = (640, 640)

scale_crop = dict(type='RandomScaleCrop', choices=(0.5, 0.75, 1.0, 1.25, 1.75),
                  crop_size=crop_size, pad=True)
flip = dict(type='RandomHorizontalFlip', prob=0.5)
train_pipeline = [scale_crop, flip]
test_pipeline = []

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 min_depth=min_depth, max_depth=max_depth, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 min_depth=min_depth, max_depth=max_depth, pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='DepthMetric', min_depth=min_depth, max_depth=max_depth),
    dict(type='SegMetric', num_classes=num_classes),
    dict(type='CityscapesMetric'),
]
test_evaluator = val_evaluator
