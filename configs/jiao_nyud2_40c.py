# Jiao et al., ECCV 2018, "Look Deeper into Depth", NYU Depth v2 with 40 classes (Table 3's
# "Proposed-40c"): ResNet-50 synergy network with LSUs and SUCs, the attention-driven loss,
# three training stages. `python tools/train.py configs/jiao_nyud2_40c.py`; docs/jiao.md.
_base_ = [
    '_base_/models/jiao_resnet50.py',
    '_base_/datasets/nyud2_40c.py',
    '_base_/schedules/jiao_stages.py',
]

model = dict(
    tasks=dict(
        depth=dict(head=dict(min_depth={{_base_.min_depth}}, max_depth={{_base_.max_depth}})),
        seg=dict(head=dict(num_classes={{_base_.num_classes}}))),
    # alpha_D normalises the ground truth over the dataset's depth range (Sec. 3.3).
    losses={'depth.da': dict(max_depth={{_base_.max_depth}})})
