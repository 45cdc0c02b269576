# Jiao et al. supplement §2 on SynthRooms (4 classes): the single-task semantic network (5 conv layers +
# segmentation head), the baseline that Table 1 reports the structures against, and the first
# run of the fine-tuned chain synthrooms_finetuned_seg_to_depth.py.
_base_ = ['./_synthrooms.py']
model = dict(tasks=dict(_delete_=True, seg={{_base_.model.tasks.seg}}),
             losses={'_delete_': True, 'seg.ce': {{_base_.cross_entropy_loss}}})
val_evaluator = test_evaluator = [{{_base_.seg_evaluator}}]
