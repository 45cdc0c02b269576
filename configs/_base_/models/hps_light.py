# Hard parameter sharing: one timm backbone, a light decoder per task. The top config fills
# in the dataset's class count and depth range (see configs/hps_synthrooms.py).
decoder = dict(type='LightDecoder', channels=(64, 32, 16, 16), skips=True)

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='resnet18', pretrained=False,
                  out_indices=(1, 2, 3, 4), output_stride=32),
    tasks=dict(
        depth=dict(branch=decoder, head=dict(type='DepthHead')),
        seg=dict(branch=decoder, head=dict(type='SegHead')),
    ),
    losses={
        'depth.berhu': dict(type='BerHuLoss'),
        'seg.ce': dict(type='CrossEntropyLoss'),
    },
    combiner=dict(type='FixedWeighting', weights={'depth.berhu': 1.0, 'seg.ce': 1.0}))
