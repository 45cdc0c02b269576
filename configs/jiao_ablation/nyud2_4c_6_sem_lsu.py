# Table 1 row "+SUC+L_DA+sem.+LSU" on NYUDv2-4c: lateral sharing units between consecutive
# up-conv layers; depth-aware loss and cross-entropy (no L_JG, no focal loss yet).
_base_ = ['./_nyud2_4c_ladder.py']
model = dict(losses={
    '_delete_': True, 'depth.da': {{_base_.depth_aware_loss}},
    'seg.ce': {{_base_.cross_entropy_loss}}})
