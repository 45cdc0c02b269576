# Jiao et al., ECCV 2018, supplement Sec. 8 ("Outdoor Scene Training Details"): the synergy
# network trained weakly supervised on street scenes, mixing depth-only KITTI frames and
# labels-only Cityscapes frames in one run: a sample's missing target gives no loss
# (mtl_collate fills it invalid) and no gradient to that task's branch through the LSUs
# (PartialSupervisionHook). All images resized to 512x256; lr 1e-2 for the final semantic
# layer, 1e-4 elsewhere, Adam as on NYU. Jiao fine-tune their NYU 40-class model: set load_from
# to its checkpoint (the seg head's 40 -> 19 classes do not load). Deviations, see docs/jiao.md:
# KITTI depth here is the depth benchmark's (LiDAR) where Jiao used the 200 stereo 2015
# disparity maps; all frames of both training sets are used (Jiao drew 200 of each); the 19
# Cityscapes train ids (the text says 21). Layouts: docs/datasets.md (KITTI, Cityscapes).
_base_ = ['_base_/models/jiao_resnet50.py', '_base_/datasets/cityscapes.py',
          '_base_/default_runtime.py']
# The values come from the Cityscapes base config (19 classes; depth range 1e-3 to 80 m, the
# range KITTI is evaluated in as well); the KITTI parts are given that range as metainfo.
kitti_metainfo = dict(depth_range=({{_base_.min_depth}}, {{_base_.max_depth}}))
size = (256, 512)
kitti_root = 'data/kitti'
train_pipeline = [dict(type='Resize', size=size), dict(type='RandomHorizontalFlip', prob=0.5)]
test_pipeline = [dict(type='Resize', size=size, img_only=True)]

model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    losses={'depth.da': dict(max_depth={{_base_.max_depth}})})

train_dataloader = dict(  # the base's loader settings, a mixed dataset
    dataset=dict(_delete_=True, type='MixedDataset', datasets=[
        dict(type='KITTIDepthDataset', data_root=kitti_root, split='train',
             metainfo=kitti_metainfo, pipeline=train_pipeline),
        dict(type='CityscapesDataset', data_root={{_base_.data_root}}, split='train',
             metainfo={{_base_.metainfo}}, targets=('seg',), pipeline=train_pipeline)]))
val_dataloader = dict(  # the base's loader settings, a mixed dataset
    dataset=dict(_delete_=True, type='MixedDataset', datasets=[
        dict(type='KITTIDepthDataset', data_root=kitti_root, split='val_selection',
             metainfo=kitti_metainfo, pipeline=test_pipeline),
        dict(type='CityscapesDataset', data_root={{_base_.data_root}}, split='val',
             metainfo={{_base_.metainfo}}, targets=('seg',), pipeline=test_pipeline)]))
test_dataloader = val_dataloader
# each metric skips the samples without its target and reads its values from the metainfo
val_evaluator = [dict(type='DepthMetric', crop=None), dict(type='SegMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
    paramwise_cfg=dict(custom_keys={'heads.seg': dict(lr_mult=100.0)}))
param_scheduler = []
custom_hooks = [dict(type='TargetCheckHook'), dict(type='PartialSupervisionHook')]
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=5))
log_processor = dict(by_epoch=True)
