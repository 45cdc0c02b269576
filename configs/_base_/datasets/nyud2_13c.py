# NYU Depth v2 with the 13 classes of Couprie et al. (2013), through class13Mapping.mat.
_base_ = ['./nyud2_40c.py']

num_classes = 13
class_names = ('bed', 'books', 'ceiling', 'chair', 'floor', 'furniture', 'objects', 'picture',
               'sofa', 'table', 'tv', 'wall', 'window')
train_dataloader = dict(dataset=dict(num_classes=num_classes))
val_dataloader = dict(dataset=dict(num_classes=num_classes))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='DepthMetric', crop='eigen_nyu', min_depth=1e-3, max_depth=10.0,
         depth_caps=(4, 6, 8)),
    dict(type='SegMetric', num_classes=num_classes, class_names=class_names),
]
test_evaluator = val_evaluator
