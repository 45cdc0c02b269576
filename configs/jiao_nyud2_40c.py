# Jiao et al., ECCV 2018, "Look Deeper into Depth", NYU Depth v2 with 40 classes (Table 3's
# "Proposed-40c"): ResNet-50 synergy network with LSUs and SUCs, the attention-driven loss,
# three training stages. `python tools/train.py configs/jiao_nyud2_40c.py`; docs/jiao.md.
_base_ = [
    '_base_/models/jiao_resnet50.py',
    '_base_/datasets/nyud2_40c.py',
    '_base_/schedules/jiao_stages.py',
    '_base_/default_runtime.py',
]

model = dict(
    tasks=dict(seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    # alpha_D normalises the ground truth over NYU's depth range, 0-10 m (Sec. 3.3).
    losses={'depth.da': dict(max_depth=10.0)})

custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=True, stages={{_base_.jiao_stages}}),
    dict(type='PartialSupervisionHook'),
]
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=3))
log_processor = dict(by_epoch=True)
