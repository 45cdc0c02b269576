# Jiao et al., ECCV 2018 "Look Deeper into Depth": the synergy network of supplement Table 3.
# ResNet-50 (ImageNet weights through timm) -> per task: conv2 2048->1024, four up-projections
# 1024->512->256->128->64 (FCRN), a lateral sharing unit between each pair of consecutive
# up-conv layers (boundaries 2, 3, 4), the semi-dense up-skip connections, then conv_dep 64->1 /
# conv_sem 64->K at 1/2 resolution, up-sampled to the input size by the heads.
# Loss: the attention-driven loss of Eq. 7, L_DA + L_JG + L_semF. L_JG = L_g(d, d_gt) + L_g(d, s)
# is split into two named losses so that the training stages can switch L_g(d, s) off while
# the semantic branch is untrained. The top config fills in the dataset's values: the class
# count (seg head) and the depth range (depth head, depth-aware loss).
plain_decoder = dict(type='UpConvDecoder', channels=(1024, 512, 256, 128, 64))
decoder = dict(
    type='SemiDenseUpSkipDecoder',
    decoder=plain_decoder,
    suc=dict(type='SemiDenseUpSkip', mode='sum', kernel_size=3),
    skip_source='stage')
lsu = dict(type='LateralSharingUnit', tasks=('depth', 'seg'), mode='scalar')
# The losses of Table 1's earlier rows (configs/jiao_ablation/), for the rows to pick.
berhu_loss = dict(type='BerHuLoss', threshold=0.2)
cross_entropy_loss = dict(type='CrossEntropyLoss')

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='resnet50', pretrained=True,
                  out_indices=(4,), output_stride=32),
    tasks=dict(
        depth=dict(branch=decoder, head=dict(type='DepthHead')),
        seg=dict(branch=decoder, head=dict(type='SegHead')),
    ),
    interactions={f'lsu{k}': dict(lsu, after_stage=k) for k in (2, 3, 4)},
    losses={
        'depth.da': dict(type='DepthAwareLoss', log_offset=1.0, berhu_threshold=0.2),
        'depth.jg_gt': dict(type='JointGradientLoss', semantic_weight=0.0),
        'depth.jg_sem': dict(type='JointGradientLoss', gt_weight=0.0, semantic_map='label',
                             extra=dict(seg='seg')),
        'seg.focal': dict(type='FocalLoss', alpha=0.25, gamma=2.0),
    },
    combiner=dict(type='FixedWeighting'))
