# SynthRooms: procedurally rendered indoor rooms, generated on the fly (no download).
dataset_type = 'SynthRoomsDataset'
num_classes = 13
max_depth = 10.0
img_size = (96, 128)

train_pipeline = [
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='RandomScaleCrop', scale=(1.0, 1.25)),
    dict(type='ColorJitter', range=(0.8, 1.2)),
    dict(type='RandomContrast', range=(0.7, 1.4)),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, split='train', img_size=img_size, num_classes=num_classes,
                 pipeline=train_pipeline))

val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, split='val', img_size=img_size, num_classes=num_classes))
test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mtl_collate'),
    dataset=dict(type=dataset_type, split='test', img_size=img_size, num_classes=num_classes))

val_evaluator = [
    dict(type='DepthMetric', min_depth=1e-3, max_depth=max_depth, depth_caps=(4, 6, 8)),
    dict(type='SegMetric', num_classes=num_classes),
]
test_evaluator = val_evaluator
