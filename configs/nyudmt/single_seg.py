# Single-task baseline on NYUD-MT, 40-class segmentation alone: the backbone, decoder,
# head, loss and its weight, schedule and data of configs/nyudmt/hps.py, i.e. the model
# that `python tools/baselines.py configs/nyudmt/hps.py --tasks seg` derives (docs/nyudmt.md).
# Train: python tools/train.py configs/nyudmt/single_seg.py
# Test:  python tools/test.py configs/nyudmt/single_seg.py CHECKPOINT --out DIR/seg.json
#        (DIR is then the --baselines of the multi-task configs' tests, for Δm)
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
model = dict(
    tasks=dict(seg={{_base_.tasks.seg}}),
    losses={{_base_.task_losses.seg}},
    combiner=dict(type='FixedWeighting',
                  weights={{_base_.task_loss_weights.seg}}))
val_evaluator = [{{_base_.evaluators.seg}}]
test_evaluator = val_evaluator
