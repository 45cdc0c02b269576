# CI-Net Sec. 4.3 / Table 3, baseline + LSU (Eq. 6) in place of the FSMs (see _rows.py).
_base_ = ['../cinet_nyud2_40c.py', './_rows.py']
model = dict(neck=None, interactions={{_base_.lsu_interactions}},
             combiner={{_base_.without_consistency}})
custom_hooks = {{_base_.hooks_without_sum}}
