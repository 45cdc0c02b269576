# Shared part of Jiao et al.'s sharing study (supplement §2, Tables 1-2) on SynthRooms with
# NYU's 4 super-classes: the two 5-layer task networks (_base_/models/jiao_sharing.py) and one
# schedule for every structure: 300 iterations of batch 8, Adam 1e-3, lr x0.1 after 3/4 of
# them, as the Table 1 ladder on SynthRooms (configs/jiao_ablation/_synthrooms_ladder.py).
# This file is both networks trained side by side without sharing; each structure config
# changes how they are connected.
_base_ = [
    '../_base_/models/jiao_sharing.py',
    '../_base_/datasets/synthrooms_4c.py',
    '../_base_/schedules/jiao_stages.py',
]
model = dict(tasks=dict(
    depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
    seg=dict(head=dict(num_classes={{_base_.num_classes}}))))
depth_and_seg = dict(tasks=('depth', 'seg'))  # the study's two tasks: leave the others out
train_dataloader = dict(dataset=depth_and_seg)
val_dataloader = dict(dataset=depth_and_seg)
test_dataloader = dict(dataset=depth_and_seg)
seg_evaluator = dict(type='SegMetric')  # the class count and names come from the metainfo

max_iters = 300
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
param_scheduler = [dict(type='MultiStepLR', milestones=[225], gamma=0.1, by_epoch=False)]
custom_hooks = []
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=max_iters))
log_processor = dict(by_epoch=False)
