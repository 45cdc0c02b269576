# CI-Net Sec. 4.3, baseline + FSM (see _rows.py).
_base_ = ['../cinet_synthrooms.py', './_rows.py']
model = dict(neck=None, combiner={{_base_.without_consistency}})
custom_hooks = {{_base_.hooks_without_sum}}
