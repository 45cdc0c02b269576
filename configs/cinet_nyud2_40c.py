# CI-Net (Gao et al., Applied Intelligence 2022) on NYU Depth v2 with 40 classes: dilated
# ResNet-101, scene understanding module with the attention loss, feature sharing modules,
# consistency / pair / normal losses, weighted cross-entropy; three training stages (Sec. 4.2).
# `python tools/train.py configs/cinet_nyud2_40c.py`; docs/cinet.md.
_base_ = [
    '_base_/models/cinet_resnet101.py',
    '_base_/datasets/nyud2_40c.py',
    '_base_/schedules/cinet_stages.py',
    '_base_/default_runtime.py',
]

model = dict(tasks=dict(seg=dict(head=dict(num_classes={{_base_.num_classes}}))))

# CI-Net's augmentation (Sec. 4.2): rotation, scaling with a crop, flip, colour jitter, after
# the NYU base's border crop and half-resolution resize.
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='Crop', box=(8, 10, 473, 630)),
    dict(type='Resize', size=(240, 320)),
    dict(type='RandomRotation', max_degrees=5.0),
    dict(type='RandomScaleCrop', scale=(1.0, 1.5)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='ColorJitter', range=(0.8, 1.2)),
]))
train_cfg = dict(max_epochs=700)  # 300 + 200 + 200
# LabelCountsHook: the class weights of Eq. 12 from the training set's labels (cached)
checks = [dict(type='TargetCheckHook'), dict(type='LabelCountsHook')]
custom_hooks = checks + [
    dict(type='TrainingStagesHook', by_epoch=True, stages={{_base_.nyud2_stages}})]
hooks_without_sum = checks + [  # for the ablation rows without a SUM
    dict(type='TrainingStagesHook', by_epoch=True, stages={{_base_.nyud2_stages_without_sum}})]
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3))
log_processor = dict(by_epoch=True)
