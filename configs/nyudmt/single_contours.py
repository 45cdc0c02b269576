# Single-task baseline on NYUD-MT, edges (the task 'contours') alone: the backbone, decoder,
# head, loss and its weight, schedule and data of configs/nyudmt/hps.py, i.e. the model
# that `python tools/baselines.py configs/nyudmt/hps.py --tasks contours` derives (docs/nyudmt.md).
# Train: python tools/train.py configs/nyudmt/single_contours.py
# Test:  python tools/test.py configs/nyudmt/single_contours.py CHECKPOINT --out DIR/contours.json
#        (DIR is then the --baselines of the multi-task configs' tests, for Δm)
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
model = dict(
    tasks=dict(contours={{_base_.tasks.contours}}),
    losses={{_base_.task_losses.contours}},
    combiner=dict(type='FixedWeighting',
                  weights={{_base_.task_loss_weights.contours}}))
val_evaluator = [{{_base_.evaluators.contours}}]
test_evaluator = val_evaluator
