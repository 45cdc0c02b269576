# Jiao et al., ECCV 2018, supplement §2 (Fig. 2, Tables 1-2): the two task networks of the
# information-sharing study, side by side and unshared. "Each task consists of 5 convolutional
# layers": a ConvLayers branch on the image (no backbone) and the task's head (a 3x3 conv to
# depth / class logits, up-sampled to the input size). The supplement gives no widths, strides
# or losses: ours are widths 32-64-64-64-64, strides 2-2-2-1-1 (the last layers at 1/8
# resolution), berHu for depth and cross-entropy for the labels (Table 1's ladder baselines).
# The structures (configs/jiao_sharing/) change only how the two networks are connected. The
# top configs fill in the dataset's values (class count, depth range).
task_network = dict(type='ConvLayers', channels=(32, 64, 64, 64, 64), strides=(2, 2, 2, 1, 1))
berhu_loss = dict(type='BerHuLoss', threshold=0.2)
cross_entropy_loss = dict(type='CrossEntropyLoss')

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=None,
    tasks=dict(
        depth=dict(branch=task_network, head=dict(type='DepthHead')),
        seg=dict(branch=task_network, head=dict(type='SegHead')),
    ),
    losses={'depth.berhu': berhu_loss, 'seg.ce': cross_entropy_loss},
    combiner=dict(type='FixedWeighting'))
