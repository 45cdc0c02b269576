# Table 1, "Baseline, single-task" classification row: the depth-interval branch alone (32
# intervals uniform in normalised log space), its prediction decoded to the interval centres.
_base_ = ['../multidepth_kitti.py']

train_pipeline = [
    dict(type='RandomCrop', size=({{_base_.crop_size}}, {{_base_.crop_size}})),
    dict(type='RandomHorizontalFlip', prob=0.5),
    {{_base_.interval_target}},
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

model = dict(
    tasks=dict(_delete_=True,
               depth_cls=dict(branch={{_base_.psp_decoder}},
                              head={{_base_.model.tasks.depth_cls.head}}, auxiliary=False)),
    losses={'_delete_': True, 'depth_cls.ce': dict(type='CrossEntropyLoss')},
    combiner=dict(_delete_=True, type='FixedWeighting'))

val_evaluator = {{_base_.cls_evaluator}}
test_evaluator = val_evaluator
