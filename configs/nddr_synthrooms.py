# NDDR-CNN (Gao et al., CVPR 2019) on the network of configs/crossstitch_synthrooms.py (one
# encoder per task), with an NDDR layer in place of each cross-stitch unit, after each encoder
# stage: per task, concatenate both tasks' features, 1x1 conv back to the task's width
# (initialised to 0.9 / 0.1 of the identity), BatchNorm, ReLU. The paper trains the NDDR
# layers 100x faster than the rest with SGD; with AdamW, whose step does not grow with the
# gradient, we use 10x as the cross-stitch config does. Depth + segmentation on SynthRooms, on
# a CPU.
_base_ = './crossstitch_synthrooms.py'
nddr = dict(type='NDDRUnit', tasks=('depth', 'seg'), alpha_same=0.9, alpha_cross=0.1,
            lr_mult=10.0)

model = dict(interactions=dict(
    _delete_=True, **{f'nddr{k}': dict(nddr, after_stage=k) for k in (1, 2, 3, 4)}))
