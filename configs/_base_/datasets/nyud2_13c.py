# NYU Depth v2 with the 13 classes of Couprie et al. (2013), through class13Mapping.mat; the
# depth range and ignore index are nyud2_40c.py's, the palette the first 13 of its colours.
_base_ = ['./nyud2_40c.py']

class_names = ('bed', 'books', 'ceiling', 'chair', 'floor', 'furniture', 'objects', 'picture',
               'sofa', 'table', 'tv', 'wall', 'window')
palette = [(128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128), (0, 128, 128),
           (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0), (192, 128, 0), (64, 0, 128),
           (192, 0, 128)]
num_classes = len(class_names)
metainfo = dict(classes=class_names, palette=palette)
train_dataloader = dict(dataset=dict(num_classes=num_classes, metainfo=metainfo))
val_dataloader = dict(dataset=dict(num_classes=num_classes, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = [
    {{_base_.depth_evaluator}},
    dict(type='SegMetric', num_classes=num_classes, class_names=class_names),
]
test_evaluator = val_evaluator
