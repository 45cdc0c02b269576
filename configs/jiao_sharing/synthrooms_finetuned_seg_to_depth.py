# Jiao et al. supplement §2, Fig. 2(a), on SynthRooms (4 classes): the fine-tuned network for depth (Table 1
# "Finet.", depth row): the semantic network trained by synthrooms_single_seg.py, fine-tuned on
# depth with a new depth head. Two chained runs, one command:
#   python tools/train.py configs/jiao_sharing/synthrooms_single_seg.py && \
#   python tools/train.py configs/jiao_sharing/synthrooms_finetuned_seg_to_depth.py
# load_from names the first run's default work dir (its last checkpoint is loaded, through the
# safe loader); the semantic network's layers become the depth network's (load_renames), the
# segmentation head is left out and the new head starts from scratch (load_strict=False).
_base_ = ['./_synthrooms.py']
model = dict(tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}),
             losses={'_delete_': True, 'depth.berhu': {{_base_.berhu_loss}}})
val_evaluator = test_evaluator = [{{_base_.depth_evaluator}}]
load_from = 'work_dirs/synthrooms_single_seg'
load_renames = {'branches.seg.': 'branches.depth.'}
load_strict = False
