# MTI-Net (Vandenhende, Georgoulis & Van Gool, ECCV 2020) on SynthRooms, CPU-sized: depth and
# segmentation are the final tasks, surface normals and contours auxiliary ones, all four
# supervised by SynthRooms' exact targets (docs/mtinet.md).
# - backbone: ResNet-10t from scratch, four levels (1/4 ... 1/32); the paper's HRNet-18 is in
#   configs/nyudmt/mtinet.py;
# - every task's branch refines the backbone's scales coarsest first (boundaries 1..4 =
#   1/32, 1/16, 1/8, 1/4), 32 channels at every scale on this budget, with an initial
#   prediction (deep-supervision head `task@s`) at each scale;
# - a feature propagation module at boundaries 1..3 over the four tasks;
# - at boundary 4 the multi-scale distillation gives depth and segmentation the distilled
#   features of all four scales, concatenated at 1/4 (feature aggregation), which their final
#   heads decode. The auxiliary tasks' final output is their prediction at the finest scale.
# Losses: L1 for depth and normals on valid pixels, cross-entropy for segmentation, HED's
# class-balanced BCE for contours, on every prediction of every scale, all weighted 1.
# Budget: that of the PAD-Net ladder (configs/padnet_ablation/_synthrooms_ladder.py): 48x64
# images, batch 8, 150 iterations of SGD (momentum 0.9, lr 1e-2, poly).
# python tools/train.py configs/mtinet_synthrooms.py
_base_ = ['./_base_/datasets/synthrooms.py', './_base_/default_runtime.py']

scales = (1, 2, 3, 4)  # branch boundaries: scales 1/32, 1/16, 1/8, 1/4
final_tasks = ('depth', 'seg')
auxiliary_tasks = ('normals', 'contours')
all_tasks = final_tasks + auxiliary_tasks
img_size = (48, 64)
branch = dict(type='MultiScaleRefinementDecoder', channels=(32, 32, 32, 32))
heads = dict(
    depth=dict(type='DepthHead', min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}}),
    seg=dict(type='SegHead', num_classes={{_base_.num_classes}}),
    normals=dict(type='NormalHead'),
    contours=dict(type='ContourHead'))
task_loss = dict(depth=('l1', dict(type='MaskedL1Loss')), seg=('ce', dict(type='CrossEntropyLoss')),
                 normals=('l1', dict(type='MaskedL1Loss')),
                 contours=('bce', dict(type='BalancedBCELoss')))
# final tasks: a prediction at every scale and the final one; auxiliary tasks: their final
# output is their prediction at the finest scale
deep_supervision = {t: scales if t in final_tasks else scales[:-1] for t in all_tasks}
outputs = {t: [t] + [f'{t}@{s}' for s in deep_supervision[t]] for t in all_tasks}

model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='MultiTaskDataPreprocessor'),
    backbone=dict(type='TimmBackbone', model_name='resnet10t', pretrained=False,
                  out_indices=(1, 2, 3, 4)),
    tasks={t: dict(branch=branch, head=heads[t], deep_supervision=deep_supervision[t],
                   auxiliary=t in auxiliary_tasks) for t in all_tasks},
    interactions=dict(
        **{f'fpm{s}': dict(type='FeaturePropagation', after_stage=s, tasks=all_tasks)
           for s in scales[:-1]},
        distill=dict(type='MultiScaleDistillation', after_stage=scales[-1], tasks=final_tasks,
                     inputs={t: [f'feature:{t}@{s}' for s in scales] for t in all_tasks})),
    losses={f'{o}.{task_loss[t][0]}': task_loss[t][1] for t in all_tasks for o in outputs[t]},
    combiner=dict(type='FixedWeighting'))

max_iters = 150
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MTLOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=1e-2, momentum=0.9, weight_decay=5e-4))
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, end=max_iters)]
default_hooks = dict(checkpoint=dict(interval=max_iters))

train_dataloader = dict(dataset=dict(img_size=img_size, tasks=all_tasks,
                                     pipeline=[dict(type='RandomHorizontalFlip', prob=0.5)]))
val_dataloader = dict(dataset=dict(img_size=img_size, tasks=final_tasks))
test_dataloader = dict(dataset=dict(img_size=img_size, tasks=final_tasks))
