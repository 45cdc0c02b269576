# PAD-Net (Xu et al., CVPR 2018), the full model "Distillation C + DE + SP" of Tables 1-2:
# - front end (Sec. 3.2): ResNet-50 with dilation (output stride 8) and the multi-scale
#   aggregation neck (the three shallower levels, each reduced to 256 channels by a 3x3 conv,
#   resized to the last level and concatenated with it);
# - intermediate predictions (Sec. 3.3): per task one deconvolution to 2x the front-end
#   resolution, N = 512 channels for depth and segmentation, N/2 for normals and contours, then
#   the task's head (depth@1, seg@1, normals, contours), each with a loss (deep supervision);
# - distillation module C (Sec. 3.4, Eqs. 2-3) at boundary 1 of the final tasks, reading the
#   four intermediate predictions by name;
# - final decoders (Sec. 3.5): two deconvolutions, each x2 resolution and 1/2 channels, then
#   the head; at inference only depth and segmentation (and what they read) run.
# Objective (Sec. 3.6): six losses, depth and normals L2 on valid pixels, segmentation softmax
# cross-entropy, contours cross-entropy (class-balanced, see docs/padnet.md); the intermediate
# normals and contours weigh 0.8, the rest 1. The top config sets the class count (seg head) and
# the depth range (depth head); the distillation gets its inputs' channels from the model.
N = 512
final_branch = dict(type='DeconvDecoder', channels=(N, N // 2, N // 4))
intermediate_branch = dict(type='DeconvDecoder', channels=(N,))
auxiliary_branch = dict(type='DeconvDecoder', channels=(N // 2,))
normals_task = dict(branch=auxiliary_branch, head=dict(type='NormalHead'), auxiliary=True)
contours_task = dict(branch=auxiliary_branch, head=dict(type='ContourHead'), auxiliary=True)
depth_loss = dict(type='MaskedL2Loss')
seg_loss = dict(type='CrossEntropyLoss')
normals_loss = dict(type='MaskedL2Loss')
contours_loss = dict(type='BalancedBCELoss')
auxiliary_weight = 0.8
# Phase 1 of the training (Sec. 4.1, configs/_base_/schedules/padnet_two_phase.py) optimises
# "only the front end, with the scene parsing task". Reading: the front end (backbone + neck)
# and the intermediate segmentation path that reads it (branches.seg stage 0 and its
# deep-supervision head seg@1) train on seg@1.ce; everything else is frozen, its losses weigh 0.
frozen_tasks = ('branches.depth', 'heads.depth', 'heads.depth@1', 'branches.normals',
                'heads.normals', 'branches.contours', 'heads.contours',
                'branches.seg.stages.1', 'branches.seg.stages.2', 'heads.seg')
front_end_frozen = frozen_tasks + ('interactions',)
front_end_loss_weights = {'depth.l2': 0.0, 'depth@1.l2': 0.0, 'seg.ce': 0.0,
                          'normals.l2': 0.0, 'contours.bce': 0.0}
all_inputs = dict(depth='depth@1', seg='seg@1', normals='normals', contours='contours')

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='resnet50', pretrained=True,
                  out_indices=(1, 2, 3, 4), output_stride=8),
    # levels at strides 4, 8, 8, 8: only the first needs the strided convolution
    neck=dict(type='MultiScaleAggregation', channels=256, strides=(2, 1, 1)),
    tasks=dict(
        depth=dict(branch=final_branch, head=dict(type='DepthHead'), deep_supervision=(1,)),
        seg=dict(branch=final_branch, head=dict(type='SegHead'), deep_supervision=(1,)),
        normals=normals_task,
        contours=contours_task),
    interactions=dict(
        distill=dict(type='PADDistillationC', after_stage=1, tasks=('depth', 'seg'),
                     inputs=all_inputs)),
    losses={
        'depth.l2': depth_loss, 'seg.ce': seg_loss,
        'depth@1.l2': depth_loss, 'seg@1.ce': seg_loss,
        'normals.l2': normals_loss, 'contours.bce': contours_loss},
    combiner=dict(type='FixedWeighting',
                  weights={'normals.l2': auxiliary_weight, 'contours.bce': auxiliary_weight}))

# Pieces of the ablation rows (Tables 1 and 6, configs/padnet_ablation/). In the "+ DE" rows
# segmentation is an intermediate task only: one deconvolution and its head, read by the
# distillation as "seg", supervised by "seg.ce", not predicted at test time.
de_tasks = dict(seg=dict(branch=intermediate_branch, deep_supervision=(), auxiliary=True))
de_losses = {'_delete_': True, 'depth.l2': depth_loss, 'depth@1.l2': depth_loss,
             'seg.ce': seg_loss, 'normals.l2': normals_loss, 'contours.bce': contours_loss}
