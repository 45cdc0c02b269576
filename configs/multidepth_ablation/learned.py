# Table 1, MultiDepth with learned weights (the main configuration, Eq. 3 in the Kendall form
# of the released code, s_reg = s_cls = 1 at the start), both outputs evaluated. For Liebel &
# Körner's other variant, 0.5/c²·L + ln(1 + c²), add
# --cfg-options model.combiner.variant=liebel.
_base_ = ['../multidepth_kitti.py']

model = dict(tasks=dict(depth_cls=dict(auxiliary=False)))

val_evaluator = [{{_base_.val_evaluator}}, {{_base_.cls_evaluator}}]
test_evaluator = val_evaluator
