# MTI-Net (Vandenhende, Georgoulis & Van Gool, ECCV 2020) on NYUD-MT: depth, 40-class
# segmentation, surface normals and edges, all four predicted (docs/mtinet.md).
# - backbone: HRNet-18 (timm `hrnet_w18`, ImageNet weights), its four branches as they are
#   (feature_location='': 18, 36, 72, 144 channels at 1/4 ... 1/32), as in the paper;
# - per task a branch that refines the scales coarsest first (boundaries 1..4 = 1/32, 1/16,
#   1/8, 1/4; two basic blocks per scale at the backbone's width), with the initial task
#   prediction at each scale (deep supervision, `task@s`);
# - the feature propagation module at boundaries 1..3 over the four tasks;
# - at boundary 4 the multi-scale multi-modal distillation for every task, its distilled
#   features of the four scales up-sampled to 1/4 and concatenated (feature aggregation,
#   18+36+72+144 = 270 channels), decoded by the task's final head.
# Losses (the MTL survey's code, as our other NYUD-MT configs): L1 for depth and normals on
# valid pixels, cross-entropy for segmentation, HED's class-balanced BCE for edges; weights
# depth 1, seg 1, normals 10, edges 50, the same for a task's predictions at every scale.
# Schedule (the survey's, our reading): Adam lr 1e-4, weight decay 1e-4, 100 epochs, poly.
# Offline, give the backbone a local file: --cfg-options model.backbone.checkpoint=PATH.
# Train: python tools/train.py configs/nyudmt/mtinet.py   (data: docs/datasets.md, NYUD-MT)
# Test:  python tools/test.py configs/nyudmt/mtinet.py work_dirs/mtinet/epoch_100.pth
_base_ = ['../_base_/datasets/nyud_mt.py', '../_base_/default_runtime.py']

scales = (1, 2, 3, 4)  # branch boundaries: scales 1/32, 1/16, 1/8, 1/4
heads = dict(
    depth=dict(type='DepthHead', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}}),
    seg=dict(type='SegHead', num_classes={{_base_.num_classes}}),
    normals=dict(type='NormalHead'),
    contours=dict(type='ContourHead'))
tasks = tuple(heads)
task_loss = dict(depth=('l1', dict(type='MaskedL1Loss'), 1.0),
                 seg=('ce', dict(type='CrossEntropyLoss'), 1.0),
                 normals=('l1', dict(type='MaskedL1Loss'), 10.0),
                 contours=('bce', dict(type='BalancedBCELoss'), 50.0))
outputs = {t: [t] + [f'{t}@{s}' for s in scales] for t in tasks}
losses = {f'{o}.{task_loss[t][0]}': task_loss[t][1] for t in tasks for o in outputs[t]}
loss_weights = {f'{o}.{task_loss[t][0]}': task_loss[t][2] for t in tasks for o in outputs[t]}

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='hrnet_w18', pretrained=True,
                  out_indices=(1, 2, 3, 4), feature_location=''),
    tasks={t: dict(branch=dict(type='MultiScaleRefinementDecoder'), head=heads[t],
                   deep_supervision=scales) for t in tasks},
    interactions=dict(
        **{f'fpm{s}': dict(type='FeaturePropagation', after_stage=s, tasks=tasks)
           for s in scales[:-1]},
        distill=dict(type='MultiScaleDistillation', after_stage=scales[-1], tasks=tasks,
                     inputs={t: [f'feature:{t}@{s}' for s in scales] for t in tasks})),
    losses=losses,
    combiner=dict(type='FixedWeighting', weights=loss_weights))

max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)]
