# The NYUD-MT four-task setting of the MTL survey (Vandenhende et al., TPAMI 2021, Sec. 5):
# depth, 40-class segmentation, surface normals and edges on NYUD-MT (the dataset base below
# states the data, the class count and the depth range once). The pieces every NYUD-MT config
# shares, as variables, so that each method's config (configs/nyudmt/) states only its own
# structure:
# - `backbone`: ResNet-50, dilated to output stride 8 (the survey's ResNet-50 is dilated
#   too); ImageNet weights through timm (offline: give checkpoint=...).
# - `decoder`: a task-specific context decoder on the last backbone level. The survey uses
#   DeepLab-v3+ ASPP heads; our registry's context module is PSPNet's pyramid pooling
#   (PyramidPoolingDecoder), in the same role (multi-scale context on the dilated feature),
#   with 256 channels.
# - `heads`, `task_losses` and `task_loss_weights` (per task; `losses`, `loss_weights`: all
#   of them); `tasks` pairs each head with the decoder. Losses as in the survey's code: L1
#   for depth and normals on valid pixels, softmax cross-entropy for segmentation; for edges
#   the class-balanced BCE of HED (the survey's code fixes the positive weight at 0.95
#   instead of counting it).
#   Weights (our reading of the survey code's weights for these tasks): depth 1, seg 1,
#   normals 10, edges 50.
# - `model`: the shared parts only (type, preprocessor, backbone); a top config adds `tasks`,
#   `losses` and the combiner, e.g. hard parameter sharing in configs/nyudmt/hps.py.
_base_ = ['../datasets/nyud_mt.py']

backbone = dict(type='TimmBackbone', model_name='resnet50', pretrained=True,
                out_indices=(1, 2, 3, 4), output_stride=8)
decoder = dict(type='PyramidPoolingDecoder', channels=256)
heads = dict(
    depth=dict(type='DepthHead', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}}),
    seg=dict(type='SegHead', num_classes={{_base_.num_classes}}),
    normals=dict(type='NormalHead'),
    contours=dict(type='ContourHead'))
tasks = {task: dict(branch=decoder, head=head) for task, head in heads.items()}
task_losses = dict(
    depth={'depth.l1': dict(type='MaskedL1Loss')},
    seg={'seg.ce': dict(type='CrossEntropyLoss')},
    normals={'normals.l1': dict(type='MaskedL1Loss')},
    contours={'contours.bce': dict(type='BalancedBCELoss')})
losses = {name: loss for group in task_losses.values() for name, loss in group.items()}
task_loss_weights = dict(depth={'depth.l1': 1.0}, seg={'seg.ce': 1.0},
                         normals={'normals.l1': 10.0}, contours={'contours.bce': 50.0})
loss_weights = {name: w for group in task_loss_weights.values() for name, w in group.items()}

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=backbone)
