# MultiDepth (Liebel & Körner 2019, Fig. 2 and Sec. 3.1): a dilated ResNet-101 (output stride 8,
# trained from scratch) shared by two PSPNet decoders, one per task: normalised log depth
# regression (sparse MSE) and the auxiliary depth-interval classification (sparse softmax
# cross-entropy), combined by uncertainty weighting in Kendall et al.'s form with
# s_reg = s_cls = 1 at the start (Sec. 3.4). The top config sets the bounds of Eq. 2 and the
# number of intervals, for the heads and the target transforms alike.
psp_decoder = dict(type='PyramidPoolingDecoder', bins=(1, 2, 3, 6), channels=512, dropout=0.1)

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='resnet101', pretrained=False,
                  out_indices=(4,), output_stride=8),
    tasks=dict(
        depth=dict(branch=psp_decoder, head=dict(type='NormalizedLogDepthHead', kernel_size=1)),
        # auxiliary: trained, but skipped in predict mode (no cost at inference); set
        # auxiliary=False to keep it as a second depth output (see docs/multidepth.md).
        depth_cls=dict(branch=psp_decoder,
                       head=dict(type='DepthIntervalHead', spacing='normalized_log', kernel_size=1),
                       auxiliary=True),
    ),
    losses={
        'depth.mse': dict(type='MaskedL2Loss'),
        'depth_cls.ce': dict(type='CrossEntropyLoss'),
    },
    combiner=dict(type='UncertaintyWeighting', variant='kendall', init=1.0))
