# Table 1, "Front-end + DE + SP (baseline)": depth and segmentation decoders directly on the
# front end (plain multi-task learning); no intermediate predictions, no distillation.
_base_ = ['./_synthrooms_ladder.py']
model = dict(
    tasks=dict(_delete_=True,
               depth=dict(branch={{_base_.final_branch}}, head={{_base_.depth_head}}),
               seg=dict(branch={{_base_.final_branch}}, head={{_base_.seg_head}})),
    interactions=dict(_delete_=True),
    losses={'_delete_': True, 'depth.l2': {{_base_.depth_loss}}, 'seg.ce': {{_base_.seg_loss}}},
    combiner=dict(weights=dict(_delete_=True)))
