# Hard parameter sharing on NYUD-MT, the MTL survey's multi-task baseline (Vandenhende et al.,
# TPAMI 2021, Sec. 5): one dilated ResNet-50 shared by the four tasks, a pyramid pooling
# decoder and head per task, the weighted sum of the four losses.
# Train: python tools/train.py configs/nyudmt/hps.py   (data: docs/datasets.md, NYUD-MT)
# Test:  python tools/test.py configs/nyudmt/hps.py work_dirs/hps/epoch_100.pth --baselines DIR
_base_ = [
    '../_base_/models/nyudmt_resnet50.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
model = dict(
    tasks={{_base_.tasks}},
    losses={{_base_.losses}},
    combiner=dict(type='FixedWeighting', weights={{_base_.loss_weights}}))
