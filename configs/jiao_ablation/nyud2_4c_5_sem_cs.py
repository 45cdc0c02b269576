# Table 1 row "+SUC+L_DA+sem.+CS" on NYUDv2-4c: cross-stitch units (Misra et al.) in place of
# the LSUs, at the same boundaries. Their alpha trains at the same learning rate as the rest:
# the paper's 100x multiplier is meant for SGD, under Adam it would move alpha ~0.1 per step.
_base_ = ['./_nyud2_4c_ladder.py']
model = dict(
    interactions={'_delete_': True, **{f'cs{k}': dict(
        type='CrossStitchUnit', after_stage=k, tasks=('depth', 'seg'), per_channel=True,
        alpha_same=0.9, alpha_cross=0.1, lr_mult=1.0) for k in (2, 3, 4)}},
    losses={'_delete_': True, 'depth.da': {{_base_.depth_aware_loss}},
            'seg.ce': {{_base_.cross_entropy_loss}}})
