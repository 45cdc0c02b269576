# Shared part of Jiao et al.'s sharing study (supplement §2, Tables 1-2) on NYU Depth v2 with 4
# classes: the two 5-layer task networks (_base_/models/jiao_sharing.py) and one schedule for
# every structure ("trained in the same setup (i.e. batch size, learning rate, etc.)"; the
# supplement gives neither): batch 12, Adam 1e-3, x0.1 every 20 epochs, 60 epochs, in one stage.
# This file is both networks trained side by side without sharing; each structure config
# changes how they are connected.
_base_ = [
    '../_base_/models/jiao_sharing.py',
    '../_base_/datasets/nyud2_4c.py',
    '../_base_/schedules/jiao_stages.py',
]
model = dict(tasks=dict(
    depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
    seg=dict(head=dict(num_classes={{_base_.num_classes}}))))
seg_evaluator = dict(type='SegMetric')  # the class count and names come from the metainfo

epochs = 60
train_cfg = dict(max_epochs=epochs)
custom_hooks = [dict(type='TrainingStagesHook', by_epoch=True, stages=[
    dict(name='end_to_end', length=epochs, step=20, lr={'': 1e-3})])]
