# CI-Net Sec. 4.3, baseline + SUM with the attention loss and the ground-truth stage (see _rows.py).
_base_ = ['../cinet_nyud2_40c.py', './_rows.py']
model = dict(interactions={{_base_.no_sharing}}, combiner={{_base_.without_consistency}})
