# CI-Net (Gao et al., Applied Intelligence 2022) on SynthRooms, CPU-sized: the full model (SUM
# with the attention loss, FSMs, consistency / pair / normal losses, weighted cross-entropy)
# on a dilated ResNet-10-T from scratch with narrow decoders at 64 x 96, trained with the
# paper's three stages in one run of 90 iterations (about a minute of CPU time):
# `python tools/train.py configs/cinet_synthrooms.py`. The §4.3 ablation rows on this config
# are in configs/cinet_ablation/ (docs/cinet.md).
_base_ = [
    '_base_/models/cinet_resnet101.py',
    '_base_/datasets/synthrooms.py',
    '_base_/schedules/cinet_stages.py',
    '_base_/default_runtime.py',
]

decoder = dict(type='UpConvDecoder', channels=(64, 32, 16, 16))
img_size = (64, 96)
model = dict(
    backbone=dict(model_name='resnet10t', pretrained=False),
    neck=dict(chunk_size=None, checkpoint=False),  # N = 8 x 12 at 1/8 of 64 x 96: small
    tasks=dict(depth=dict(branch=decoder, head=dict(max_depth={{_base_.max_depth}})),
               seg=dict(branch=decoder, head=dict(num_classes={{_base_.num_classes}}))),
    losses={'depth.pair': dict(num_points=200)})  # fewer pixels than the paper's 500 per image

train_dataloader = dict(dataset=dict(img_size=img_size))
val_dataloader = dict(dataset=dict(img_size=img_size))
test_dataloader = dict(dataset=dict(img_size=img_size))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=90, val_interval=90)
checks = [dict(type='TargetCheckHook'), dict(type='LabelCountsHook')]
custom_hooks = checks + [
    dict(type='TrainingStagesHook', by_epoch=False, stages={{_base_.synthrooms_stages}})]
hooks_without_sum = checks + [  # for the ablation rows without a SUM
    dict(type='TrainingStagesHook', by_epoch=False,
         stages={{_base_.synthrooms_stages_without_sum}})]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=90), logger=dict(interval=10))
