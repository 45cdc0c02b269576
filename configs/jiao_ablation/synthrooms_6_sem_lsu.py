# Table 1 row "+SUC+L_DA+sem.+LSU" on SynthRooms: lateral sharing units between consecutive
# up-conv layers; depth-aware loss and cross-entropy (no L_JG, no focal loss yet).
_base_ = ['./_synthrooms_ladder.py']
model = dict(losses={
    '_delete_': True, 'depth.da': {{_base_.depth_aware_loss}},
    'seg.ce': {{_base_.cross_entropy_loss}}})
