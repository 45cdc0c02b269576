# SynthRooms row "regression only" (MultiDepth Table 1's single-task regression baseline):
# the regression branch alone, same budget as configs/multidepth_synthrooms.py.
_base_ = ['./multidepth_synthrooms.py']

train_dataloader = dict(dataset=dict(pipeline={{_base_.regression_pipeline}}))
model = dict(
    tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}),
    losses={'_delete_': True, 'depth.mse': dict(type='MaskedL2Loss')},
    combiner=dict(_delete_=True, type='FixedWeighting'))
val_evaluator = [{{_base_.depth_evaluator}}]
test_evaluator = val_evaluator
