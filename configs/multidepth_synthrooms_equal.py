# SynthRooms row "equal weights": L_mt = L_reg + L_cls; same budget as the learned row.
_base_ = ['./multidepth_synthrooms.py']

model = dict(combiner=dict(_delete_=True, type='FixedWeighting'))
