# CI-Net Sec. 4.3 (Tables 1 and 3): what each ablation row changes in the full model. A row
# config inherits the full model (../cinet_nyud2_40c.py or ../cinet_synthrooms.py) and this
# file, and applies its deltas:
#   baseline  one encoder and two 3-block decoders: no SUM, no sharing, no L_con
#   fsm       baseline + feature sharing modules
#   sum       baseline + scene understanding module (with L_att and the ground-truth stage)
#   lsu       baseline + lateral sharing units (Eq. 6) where the FSMs were (Table 3)
#   full      SUM + FSM + L_con (the full configs themselves)
# Rows without L_con keep the loss with weight 0 (beta = 0): the same computation, no gradient.
# Rows without a SUM take the top config's hooks_without_sum (same stage lengths and lrs).
no_sharing = dict(_delete_=True)
lsu_interactions = dict(
    _delete_=True,
    **{f'lsu{k}': dict(type='LateralSharingUnit', mode='conv', tasks=('depth', 'seg'),
                       after_stage=k) for k in (1, 2, 3)})
without_consistency = dict(weights={'seg.consistency': 0.0})
