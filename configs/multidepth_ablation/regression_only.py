# Table 1, "Baseline, single-task" regression row: the regression branch alone, trained with
# the sparse MSE in normalised log space (no classification branch, no task weighting).
_base_ = ['../multidepth_kitti.py']

train_dataloader = dict(dataset=dict(pipeline={{_base_.regression_pipeline}}))
model = dict(
    tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}),
    losses={'_delete_': True, 'depth.mse': dict(type='MaskedL2Loss')},
    combiner=dict(_delete_=True, type='FixedWeighting'))
