# Jiao et al. supplement §2, Fig. 2(a), on SynthRooms (4 classes): the fine-tuned network for the semantic
# task (Table 1 "Finet.", semantic row): the depth network trained by synthrooms_single_depth.py,
# fine-tuned on the labels with a new segmentation head. Two chained runs, one command:
#   python tools/train.py configs/jiao_sharing/synthrooms_single_depth.py && \
#   python tools/train.py configs/jiao_sharing/synthrooms_finetuned_depth_to_seg.py
# load_from names the first run's default work dir (its last checkpoint is loaded, through the
# safe loader); the depth network's layers become the semantic network's (load_renames), the
# depth head is left out and the new head starts from scratch (load_strict=False lists both).
_base_ = ['./_synthrooms.py']
model = dict(tasks=dict(_delete_=True, seg={{_base_.model.tasks.seg}}),
             losses={'_delete_': True, 'seg.ce': {{_base_.cross_entropy_loss}}})
val_evaluator = test_evaluator = [{{_base_.seg_evaluator}}]
load_from = 'work_dirs/synthrooms_single_depth'
load_renames = {'branches.depth.': 'branches.seg.'}
load_strict = False
