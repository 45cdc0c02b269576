# Jiao et al. supplement §2 on SynthRooms (4 classes): the single-task depth network (5 conv layers + depth
# head), the baseline that Table 1 reports the structures against, and the first run of the
# fine-tuned chain synthrooms_finetuned_depth_to_seg.py.
_base_ = ['./_synthrooms.py']
model = dict(tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}),
             losses={'_delete_': True, 'depth.berhu': {{_base_.berhu_loss}}})
val_evaluator = test_evaluator = [{{_base_.depth_evaluator}}]
