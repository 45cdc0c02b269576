# NYU Depth v2 with the 4 structure classes of Silberman et al. (2012), as in Jiao et al.'s
# Table 1, through mapToNYUSuperClass of classMapping40.mat; the depth range and ignore index
# are nyud2_40c.py's, the palette the first 4 of its colours.
_base_ = ['./nyud2_40c.py']

class_names = ('floor', 'structure', 'furniture', 'prop')
palette = [(128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128)]
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
