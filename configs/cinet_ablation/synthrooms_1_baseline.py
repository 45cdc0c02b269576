# CI-Net Sec. 4.3, baseline: one encoder, two 3-block decoders (see _rows.py).
_base_ = ['../cinet_synthrooms.py', './_rows.py']
model = dict(neck=None, interactions={{_base_.no_sharing}}, combiner={{_base_.without_consistency}})
custom_hooks = {{_base_.hooks_without_sum}}
