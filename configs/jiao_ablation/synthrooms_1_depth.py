# Table 1 row "depth" on SynthRooms: ResNet with up-convs, depth only, berHu loss.
_base_ = ['./_synthrooms_ladder.py']
model = dict(
    tasks=dict(_delete_=True, depth=dict(branch={{_base_.plain_decoder}},
                                         head={{_base_.model.tasks.depth.head}})),
    interactions=dict(_delete_=True),
    losses={'_delete_': True, 'depth.berhu': {{_base_.berhu_loss}}})
val_evaluator = test_evaluator = [{{_base_.depth_evaluator}}]
