# Jiao et al. supplement §2 on NYUDv2-4c: the single-task depth network (5 conv layers + depth
# head), the baseline that Table 1 reports the structures against, and the first run of the
# fine-tuned chain nyud2_4c_finetuned_depth_to_seg.py.
_base_ = ['./_nyud2_4c.py']
model = dict(tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}),
             losses={'_delete_': True, 'depth.berhu': {{_base_.berhu_loss}}})
val_evaluator = test_evaluator = [{{_base_.depth_evaluator}}]
