# Table 6, "MTDN-mds": the capacity of the full model (MTDN-full = configs/padnet_nyud2.py)
# without the multi-task deep supervision. Reading (the text only says the gap is "not only
# because of the model capacity"): the same modules, the four intermediate losses weigh 0 in
# the joint phase; phase 1 still pre-trains the front end on segmentation as in every row.
_base_ = ['../padnet_nyud2.py']
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=True, stages=[
        dict(name='front_end', length={{_base_.front_end_epochs}},
             lr={'': {{_base_.front_end_lr}}}, frozen={{_base_.front_end_frozen}},
             loss_weights={{_base_.front_end_loss_weights}}),
        dict(name='joint', length={{_base_.joint_epochs}}, lr={'': {{_base_.joint_lr}}},
             loss_weights={'depth@1.l2': 0.0, 'seg@1.ce': 0.0, 'normals.l2': 0.0,
                           'contours.bce': 0.0}),
    ]),
]
