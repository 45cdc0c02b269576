# Cityscapes fine annotations (Cordts et al. 2016): 2975 train / 500 val frames of 1024x2048,
# the 19 evaluation classes, depth from the disparity maps and camera files (metres, 0 = no
# disparity). Layout and downloads: docs/datasets.md (Cityscapes).
# Training as PAD-Net (Xu et al. 2018, Sec. 4.1): scales {0.5, 0.75, 1, 1.25, 1.75}, flips, 640
# crops (square; a frame shrunk below 640 rows is padded with invalid labels). Testing: the full
# frame; the official evaluation (class IoU and iIoU) reads the label files themselves.
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'

# The dataset's values, stated once: they reach the dataset's metainfo (and from there the
# metrics, the visualisation and every checkpoint's meta); model configs refer to them as
# {{_base_.num_classes}}, {{_base_.min_depth}}, {{_base_.max_depth}}. The class names and the
# palette are the official table's (cityscapesscripts.helpers.labels, train ids 0..18).
min_depth, max_depth = 1e-3, 80.0  # metres; far disparities reach hundreds of metres
class_names = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
               'traffic sign', 'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck',
               'bus', 'train', 'motorcycle', 'bicycle')
num_classes = len(class_names)
palette = [(128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156), (190, 153, 153),
           (153, 153, 153), (250, 170, 30), (220, 220, 0), (107, 142, 35), (152, 251, 152),
           (70, 130, 180), (220, 20, 60), (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100),
           (0, 80, 100), (0, 0, 230), (119, 11, 32)]
ignore_index = 255
metainfo = dict(classes=class_names, palette=palette, depth_range=(min_depth, max_depth),
                ignore_index=ignore_index)
crop_size = (640, 640)

scale_crop = dict(type='RandomScaleCrop', choices=(0.5, 0.75, 1.0, 1.25, 1.75),
                  crop_size=crop_size, pad=True)
flip = dict(type='RandomHorizontalFlip', prob=0.5)
train_pipeline = [scale_crop, flip]
test_pipeline = []

split_dataset = dict(type=dataset_type, data_root=data_root, metainfo=metainfo)
split_loader = dict(persistent_workers=True, collate_fn=dict(type='mtl_collate'))
train_dataloader = dict(
    split_loader, batch_size=8, num_workers=4, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(split_dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    split_loader, batch_size=1, num_workers=2, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split_dataset, split='val', pipeline=test_pipeline))
test_dataloader = val_dataloader

# DepthMetric and SegMetric read the range and the classes from the dataset's metainfo
val_evaluator = [dict(type='DepthMetric'), dict(type='SegMetric'), dict(type='CityscapesMetric')]
test_evaluator = val_evaluator
