# Table 6, "MTDN-inp0": the four intermediate predictions supervised (deep supervision), but
# no distillation: the final decoders read the intermediate features directly.
_base_ = ['../padnet_nyud2.py']
model = dict(interactions=dict(_delete_=True))
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=True, stages=[
        dict(name='front_end', length={{_base_.front_end_epochs}},
             lr={'': {{_base_.front_end_lr}}}, frozen={{_base_.frozen_tasks}},
             loss_weights={{_base_.front_end_loss_weights}}),
        dict(name='joint', length={{_base_.joint_epochs}}, lr={'': {{_base_.joint_lr}}}),
    ]),
]
