# SynthRooms: procedurally rendered indoor rooms, generated on the fly (no download).
dataset_type = 'SynthRoomsDataset'
img_size = (96, 128)

# The dataset's values, stated once: they reach the dataset's metainfo (and from there the
# metrics, the visualisation and every checkpoint's meta); model configs refer to them as
# {{_base_.num_classes}}, {{_base_.min_depth}}, {{_base_.max_depth}}. Rendered depth lies in
# (0.1, 10] m; it is evaluated, as on NYU, for 1e-3 < d < 10 m.
min_depth, max_depth = 1e-3, 10.0
class_names = ('floor', 'wall', 'ceiling', 'window', 'door', 'picture', 'bed', 'table',
               'cabinet', 'sofa', 'chair', 'lamp', 'prop')
num_classes = len(class_names)
palette = [(120, 85, 60), (190, 190, 180), (240, 240, 230), (120, 190, 240), (140, 70, 30),
           (230, 60, 150), (220, 40, 40), (250, 170, 30), (150, 100, 200), (40, 160, 70),
           (240, 120, 40), (255, 240, 120), (30, 110, 220)]
ignore_index = 255
metainfo = dict(classes=class_names, palette=palette, depth_range=(min_depth, max_depth),
                ignore_index=ignore_index)

train_pipeline = [
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='RandomScaleCrop', scale=(1.0, 1.25)),
    dict(type='ColorJitter', range=(0.8, 1.2)),
    dict(type='RandomContrast', range=(0.7, 1.4)),
]

# What the three splits share, then each split's own settings.
split_dataset = dict(type=dataset_type, img_size=img_size, num_classes=num_classes,
                     metainfo=metainfo)
split_loader = dict(batch_size=8, num_workers=1, persistent_workers=True,
                    sampler=dict(type='DefaultSampler', shuffle=False),
                    collate_fn=dict(type='mtl_collate'))
train_dataloader = dict(split_loader, sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(split_dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(split_loader, dataset=dict(split_dataset, split='val'))
test_dataloader = dict(split_loader, persistent_workers=False,
                       dataset=dict(split_dataset, split='test'))

# Both read the depth range, class count and class names from the dataset's metainfo.
depth_evaluator = dict(type='DepthMetric', depth_caps=(4, 6, 8))
val_evaluator = [depth_evaluator, dict(type='SegMetric')]
test_evaluator = val_evaluator
# For configs that predict normals and contours (SynthRooms renders both exactly):
# val_evaluator = [..., {{_base_.normals_evaluator}}, {{_base_.boundary_evaluator}}].
# BoundaryFMetric is the BSDS F-measure with a matching tolerance (0.011 of the diagonal, as
# on NYUD-MT), comparable with published numbers; ContourMetric, pixel exact and faster, is
# the option for exact labels and quick validation (docs/nyudmt.md, "Edge metrics").
normals_evaluator = dict(type='NormalMetric')
boundary_evaluator = dict(type='BoundaryFMetric')
