# Table 1, MultiDepth with equal weights: L_mt = L_reg + L_cls. Both outputs are predicted
# and evaluated in one pass, as in the table.
_base_ = ['../multidepth_kitti.py']

model = dict(
    tasks=dict(depth_cls=dict(auxiliary=False)),
    combiner=dict(_delete_=True, type='FixedWeighting'))

val_evaluator = [{{_base_.val_evaluator}}, {{_base_.cls_evaluator}}]
test_evaluator = val_evaluator
