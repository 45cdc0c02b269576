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
# Heads and schedule: those of every NYUD-MT config (configs/_base_/models/nyudmt_resnet50.py,
# configs/_base_/schedules/nyudmt_adam_poly.py: Adam lr 1e-4, weight decay 1e-4, 100 epochs,
# poly). Losses: the base's (L1 for depth and normals on valid pixels, cross-entropy for
# segmentation, HED's class-balanced BCE for edges) with its weights (depth 1, seg 1, normals
# 10, edges 50), the same for a task's predictions at every scale.
# Offline, give the backbone a local file: --cfg-options model.backbone.checkpoint=PATH.
# Train: python tools/train.py configs/nyudmt/mtinet.py   (data: docs/datasets.md, NYUD-MT)
# Test:  python tools/test.py configs/nyudmt/mtinet.py work_dirs/mtinet/epoch_100.pth
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]

scales = (1, 2, 3, 4)  # branch boundaries: scales 1/32, 1/16, 1/8, 1/4
tasks = ('depth', 'seg', 'normals', 'contours')
branch = dict(type='MultiScaleRefinementDecoder')
task_loss = dict(depth=('l1', dict(type='MaskedL1Loss'), 1.0),
                 seg=('ce', dict(type='CrossEntropyLoss'), 1.0),
                 normals=('l1', dict(type='MaskedL1Loss'), 10.0),
                 contours=('bce', dict(type='BalancedBCELoss'), 50.0))
outputs = {t: [t] + [f'{t}@{s}' for s in scales] for t in tasks}

model = dict(
    backbone=dict(_delete_=True, type='TimmBackbone', model_name='hrnet_w18', pretrained=True,
                  out_indices=(1, 2, 3, 4), feature_location=''),
    tasks=dict(
        depth=dict(branch=branch, head={{_base_.heads.depth}}, deep_supervision=scales),
        seg=dict(branch=branch, head={{_base_.heads.seg}}, deep_supervision=scales),
        normals=dict(branch=branch, head={{_base_.heads.normals}}, deep_supervision=scales),
        contours=dict(branch=branch, head={{_base_.heads.contours}}, deep_supervision=scales)),
    interactions=dict(
        **{f'fpm{s}': dict(type='FeaturePropagation', after_stage=s, tasks=tasks)
           for s in scales[:-1]},
        distill=dict(type='MultiScaleDistillation', after_stage=scales[-1], tasks=tasks,
                     inputs={t: [f'feature:{t}@{s}' for s in scales] for t in tasks})),
    losses={f'{o}.{task_loss[t][0]}': task_loss[t][1] for t in tasks for o in outputs[t]},
    combiner=dict(type='FixedWeighting',
                  weights={f'{o}.{task_loss[t][0]}': task_loss[t][2] for t in tasks for o in outputs[t]}))
