# Hard parameter sharing: one timm backbone, a light decoder per task. The top config fills
# in the dataset's class count and depth range (see configs/hps_synthrooms.py).
decoder = dict(type='LightDecoder', channels=(64, 32, 16, 16), skips=True)

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    # ResNet-18 at half its width (32-64-128-256 channels): trained from scratch at 96×128 it
    # reaches the full width's test quality in 1900 iterations at 0.39× the FLOPs per train step
    # (10.3 against 26.5 GFLOP; backbone forward 0.28 against 0.89 GFLOP per image), so the main
    # job costs 0.49× the training FLOPs of the full width's 1500 (docs/performance.md).
    backbone=dict(type='TimmBackbone', model_name='resnet18', pretrained=False,
                  out_indices=(1, 2, 3, 4), output_stride=32, channels=(32, 64, 128, 256)),
    tasks=dict(
        depth=dict(branch=decoder, head=dict(type='DepthHead')),
        seg=dict(branch=decoder, head=dict(type='SegHead')),
    ),
    losses={
        'depth.berhu': dict(type='BerHuLoss'),
        'seg.ce': dict(type='CrossEntropyLoss'),
    },
    combiner=dict(type='FixedWeighting', weights={'depth.berhu': 1.0, 'seg.ce': 1.0}))
