# CI-Net (Gao et al., Applied Intelligence 2022) on SUN RGB-D (37 classes): the model of
# cinet_nyud2_40c.py with SUN RGB-D's stages (Sec. 4.2: 60 epochs at 6e-4, 40 at 3e-4, 40 at
# 3e-4 with polynomial decay). `python tools/train.py configs/cinet_sunrgbd.py`; docs/cinet.md.
_base_ = [
    '_base_/models/cinet_resnet101.py',
    '_base_/datasets/sunrgbd.py',
    '_base_/schedules/cinet_stages.py',
    '_base_/default_runtime.py',
]

model = dict(tasks=dict(depth=dict(head=dict(max_depth={{_base_.max_depth}})),
                        seg=dict(head=dict(num_classes={{_base_.num_classes}}))))

train_cfg = dict(max_epochs=140, val_interval=10)  # 60 + 40 + 40
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='LabelCountsHook'),  # the weights of Eq. 12 from the training set's labels
    dict(type='TrainingStagesHook', by_epoch=True, stages={{_base_.sunrgbd_stages}}),
]
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=3))
log_processor = dict(by_epoch=True)
