# Table 1, "Baseline, single-task" classification row: the depth-interval branch alone (32
# intervals uniform in normalised log space), its prediction decoded to the interval centres.
_base_ = ['../multidepth_kitti.py']

train_dataloader = dict(dataset=dict(pipeline={{_base_.classification_pipeline}}))
model = dict(
    tasks=dict(_delete_=True,
               depth_cls=dict(branch={{_base_.psp_decoder}},
                              head={{_base_.model.tasks.depth_cls.head}}, auxiliary=False)),
    losses={'_delete_': True, 'depth_cls.ce': dict(type='CrossEntropyLoss')},
    combiner=dict(_delete_=True, type='FixedWeighting'))
val_evaluator = {{_base_.cls_evaluator}}
test_evaluator = val_evaluator
