# SynthRooms row "classification only" (MultiDepth Table 1's single-task classification
# baseline): the 32-interval branch alone, decoded to interval centres; same budget.
_base_ = ['./multidepth_synthrooms.py']

train_dataloader = dict(dataset=dict(pipeline={{_base_.classification_pipeline}}))
model = dict(
    tasks=dict(_delete_=True, depth_cls={{_base_.model.tasks.depth_cls}}),
    losses={'_delete_': True, 'depth_cls.ce': dict(type='CrossEntropyLoss')},
    combiner=dict(_delete_=True, type='FixedWeighting'))
val_evaluator = [{{_base_.cls_evaluator}}]
test_evaluator = val_evaluator
