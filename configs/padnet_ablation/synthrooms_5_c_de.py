# Table 1, "PAD-Net (Distillation C + DE)": the four intermediate predictions, distillation
# module C, one final task (depth); segmentation is an intermediate task only.
_base_ = ['./_synthrooms_ladder.py']
model = dict(
    tasks={{_base_.de_tasks}},
    interactions=dict(distill=dict(type='PADDistillationC', tasks=('depth',),
                                   inputs=dict(seg='seg'))),
    losses={{_base_.de_losses}})
val_evaluator = [{{_base_.depth_evaluator}}]
test_evaluator = val_evaluator
