# Table 1 row "+SUC+L_DA" on SynthRooms: depth only, SUC, depth-aware loss.
_base_ = ['./_synthrooms_ladder.py']
model = dict(
    tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}), interactions=dict(_delete_=True),
    losses={'_delete_': True, 'depth.da': {{_base_.depth_aware_loss}}})
val_evaluator = test_evaluator = [{{_base_.depth_evaluator}}]
