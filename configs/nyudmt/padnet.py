# PAD-Net on NYUD-MT (Xu et al., CVPR 2018; as the MTL survey runs it, Vandenhende et al.,
# TPAMI 2021): the PAD-Net model of configs/_base_/models/padnet_resnet50.py (dilated ResNet-50
# front end with multi-scale aggregation, deconvolution decoders, intermediate predictions at
# boundary 1, multi-modal distillation C), with the difference NYUD-MT asks for: all four tasks
# are final (predicted and scored), so normals and contours get PAD-Net's final decoder and
# deep supervision like depth and segmentation, and the distillation feeds all four.
# Objective: PAD-Net's (Sec. 3.6: L2 for depth and normals, cross-entropy, class-balanced BCE),
# each task's loss on its final and on its intermediate prediction, the intermediate normals
# and contours weighted 0.8 as in the paper, the rest 1. Unlike the other NYUD-MT configs
# (the survey's L1 losses and 1/1/10/50 weights), so Δm against configs/nyudmt/single_*.py
# includes the change of objective. Schedule and data: the NYUD-MT ones (Adam, 100 epochs), not
# PAD-Net's two SGD phases.
# Train: python tools/train.py configs/nyudmt/padnet.py   (data: docs/datasets.md, NYUD-MT)
# Test:  python tools/test.py configs/nyudmt/padnet.py CHECKPOINT --baselines DIR
_base_ = [
    '../_base_/models/padnet_resnet50.py',
    '../_base_/datasets/nyud_mt.py',
    '../_base_/schedules/nyudmt_adam_poly.py',
    '../_base_/default_runtime.py',
]
final_task = dict(branch={{_base_.final_branch}}, deep_supervision=(1,), auxiliary=False)
intermediate_inputs = dict(depth='depth@1', seg='seg@1', normals='normals@1',
                           contours='contours@1')

model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}})),
        normals=final_task,
        contours=final_task),
    interactions=dict(distill=dict(tasks=tuple(intermediate_inputs), inputs=intermediate_inputs)),
    losses={'normals@1.l2': {{_base_.normals_loss}}, 'contours@1.bce': {{_base_.contours_loss}}},
    combiner=dict(weights={'normals.l2': 1.0, 'contours.bce': 1.0,
                           'normals@1.l2': {{_base_.auxiliary_weight}},
                           'contours@1.bce': {{_base_.auxiliary_weight}}}))
