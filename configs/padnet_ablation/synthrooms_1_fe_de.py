# Table 1, "Front-end + DE (baseline)": the depth decoder directly on the front end; no
# intermediate predictions, no distillation. See _synthrooms_ladder.py and docs/padnet.md.
_base_ = ['./_synthrooms_ladder.py']
model = dict(
    tasks=dict(_delete_=True,
               depth=dict(branch={{_base_.final_branch}}, head={{_base_.depth_head}})),
    interactions=dict(_delete_=True),
    losses={'_delete_': True, 'depth.l2': {{_base_.depth_loss}}},
    combiner=dict(weights=dict(_delete_=True)))
val_evaluator = [{{_base_.depth_evaluator}}]
test_evaluator = val_evaluator
