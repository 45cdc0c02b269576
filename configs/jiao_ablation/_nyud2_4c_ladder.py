# Shared part of Jiao et al.'s Table 1 ladder (ECCV 2018) on NYU Depth v2 with 4 classes: the
# full model of configs/jiao_nyud2_4c.py and one schedule for every row, so that the rows differ
# only in architecture and loss. The paper does not say how the rows were trained; we train each
# end to end in one stage: Adam, lr 1e-4 on the ImageNet backbone and 1e-3 elsewhere, x0.1 every
# 20 epochs, 60 epochs. Each row config removes what its row lacks, from the parts its bases
# name.
_base_ = [
    '../_base_/models/jiao_resnet50.py',
    '../_base_/datasets/nyud2_4c.py',
    '../_base_/schedules/jiao_stages.py',
]
depth_aware_loss = dict(type='DepthAwareLoss', max_depth={{_base_.max_depth}})
model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    losses={'depth.da': depth_aware_loss})

epochs = 60
train_cfg = dict(max_epochs=epochs)
custom_hooks = [dict(type='TrainingStagesHook', by_epoch=True, stages=[
    dict(name='end_to_end', length=epochs, step=20, lr={'backbone': 1e-4, '': 1e-3})])]
