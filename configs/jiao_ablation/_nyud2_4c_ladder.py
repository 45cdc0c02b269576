# Shared part of Jiao et al.'s Table 1 ladder (ECCV 2018) on NYU Depth v2 with 4 classes: the
# full model of configs/jiao_nyud2_4c.py and one schedule for every row, so that the rows differ
# only in architecture and loss. The paper does not say how the rows were trained; we train each
# end to end in one stage: Adam, lr 1e-4 on the ImageNet backbone and 1e-3 elsewhere, x0.1 every
# 20 epochs, 60 epochs. Each row config removes what its row lacks.
_base_ = ['../jiao_nyud2_4c.py']
depth_range = 10.0  # NYU: alpha_D = d_gt / 10 m
channels = (1024, 512, 256, 128, 64)
plain_decoder = dict(type='UpConvDecoder', channels=channels)
suc_decoder = dict(type='SemiDenseUpSkipDecoder', decoder=plain_decoder,
                   suc=dict(type='SemiDenseUpSkip', mode='sum', kernel_size=3))
depth_head = dict(type='DepthHead', max_depth=depth_range)
depth_task = dict(branch=suc_decoder, head=depth_head)
berhu_loss = dict(type='BerHuLoss', threshold=0.2)
depth_aware_loss = dict(type='DepthAwareLoss', max_depth=depth_range)
cross_entropy_loss = dict(type='CrossEntropyLoss')
depth_only_evaluator = [dict(type='DepthMetric', crop='eigen_nyu', min_depth=1e-3,
                             max_depth=depth_range, depth_caps=(4, 6, 8))]

epochs = 60
train_cfg = dict(max_epochs=epochs)
custom_hooks = [
    dict(type='TargetCheckHook'),
    dict(type='TrainingStagesHook', by_epoch=True, stages=[
        dict(name='end_to_end', length=epochs, step=20, lr={'backbone': 1e-4, '': 1e-3})]),
    dict(type='PartialSupervisionHook'),
]
