# Table 1 row "+SUC" on SynthRooms: depth only, semi-dense up-skip connections, berHu loss.
_base_ = ['./_synthrooms_ladder.py']
model = dict(
    tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}), interactions=dict(_delete_=True),
    losses={'_delete_': True, 'depth.berhu': {{_base_.berhu_loss}}})
val_evaluator = test_evaluator = [{{_base_.depth_evaluator}}]
