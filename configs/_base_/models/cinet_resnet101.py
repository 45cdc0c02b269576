# CI-Net (Gao et al., Applied Intelligence 2022), Sec. 3 and Fig. 1: a dilated ResNet-101 (output
# stride 8: its last two stages 2- and 4-dilated, ImageNet weights through timm); the scene
# understanding module on its last feature, a neck that reads the batch's labels in training
# (attention loss, Eq. 4, and the ground-truth attention of the first stage); two 3-block
# decoders (a 1x1 reduction 2048->512, then three x2 up-projections 512->256->128->64, 1/8 -> 1/1);
# a feature sharing module before each up-sampling block (boundaries 1, 2, 3); the consistency
# loss on the decoders' last features (boundary 4). Eq. 13:
#   L = L_att + a (L_berhu + l L_pair + m L_norm) + b L_con + g L_seg,
#   (a, b, g, l, m) = (1, 5, 0.3, 1, 5)
# as fixed weights of the named losses (unlisted ones weigh 1: L_att, L_berhu, L_pair).
# The top config sets the class count (seg head) and the depth range (depth head).
decoder = dict(type='UpConvDecoder', channels=(512, 256, 128, 64))
fsm = dict(type='FeatureSharingModule', tasks=('depth', 'seg'))

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='resnet101', pretrained=True,
                  out_indices=(4,), output_stride=8),
    # row blocks of 1024 with recomputation: the N x N attention is never held whole
    neck=dict(type='SceneUnderstandingModule', inputs=dict(labels='target:seg'),
              chunk_size=1024, checkpoint=True),
    tasks=dict(
        depth=dict(branch=decoder, head=dict(type='DepthHead')),
        seg=dict(branch=decoder, head=dict(type='SegHead')),
    ),
    interactions={f'fsm{k}': dict(fsm, after_stage=k) for k in (1, 2, 3)},
    losses={
        'depth.berhu': dict(type='BerHuLoss', threshold=0.2),
        'depth.pair': dict(type='PairLoss', num_points=500),
        'depth.normal': dict(type='DepthNormalLoss'),
        'seg.ce': dict(type='CrossEntropyLoss', class_weight='frequency'),
        'seg.consistency': dict(type='ConsistencyLoss',
                                extra=dict(f_d='feature:depth@4', f_s='feature:seg@4')),
    },
    combiner=dict(type='FixedWeighting',
                  weights={'depth.normal': 5.0, 'seg.consistency': 5.0, 'seg.ce': 0.3}))
