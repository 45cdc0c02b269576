# Table 1 row "+SUC+L_DA+sem." on SynthRooms: a semantic branch beside the depth branch (shared
# backbone, no sharing between the decoders), cross-entropy for the semantics.
_base_ = ['./_synthrooms_ladder.py']
model = dict(interactions=dict(_delete_=True), losses={
    '_delete_': True, 'depth.da': {{_base_.depth_aware_loss}},
    'seg.ce': {{_base_.cross_entropy_loss}}})
