# Single-task baseline on NYUD-MT: depth alone, with the backbone, decoder, head,
# loss, schedule and data of configs/nyudmt/hps.py (the reference of Δm: tools/test.py
# --baselines DIR reads this config's metrics JSON from DIR; docs/nyudmt.md).
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
model = dict(
    tasks=dict(depth={{_base_.tasks.depth}}),
    losses={{_base_.task_losses.depth}},
    combiner=dict(type='FixedWeighting'))
val_evaluator = [{{_base_.evaluators.depth}}]
test_evaluator = val_evaluator
