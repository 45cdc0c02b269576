# Shared part of the Table 1 ladder on SynthRooms (Jiao et al., ECCV 2018): the CPU-sized
# synergy network (_base_/models/jiao_cpu.py), the four SynthRooms super-classes (Table 1 uses
# NYU's 4 classes), and one schedule for every row: 300 iterations of batch 8, Adam 1e-3 (as
# in jiao_stages.py), end to end, lr x0.1 after 3/4 of the iterations. This file is the full
# model; each row config removes what its row lacks, from the parts its bases name.
_base_ = [
    '../_base_/models/jiao_cpu.py',
    '../_base_/datasets/synthrooms_4c.py',
    '../_base_/schedules/jiao_stages.py',
]
depth_aware_loss = dict(type='DepthAwareLoss', max_depth={{_base_.max_depth}})
model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    losses={'depth.da': depth_aware_loss})
depth_and_seg = dict(tasks=('depth', 'seg'))  # the ladder's two tasks: leave the others out
train_dataloader = dict(dataset=depth_and_seg)
val_dataloader = dict(dataset=depth_and_seg)
test_dataloader = dict(dataset=depth_and_seg)

max_iters = 300
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
param_scheduler = [dict(type='MultiStepLR', milestones=[225], gamma=0.1, by_epoch=False)]
custom_hooks = []
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=500))
log_processor = dict(by_epoch=False)
