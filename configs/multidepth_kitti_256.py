# MultiDepth's best setting (Sec. 3.5.4, submitted to the benchmark): 256×256 px patches. The
# paper trained it with batch 16 split over two GPUs.
_base_ = ['./multidepth_kitti.py']

crop_size = 256
train_pipeline = [
    dict(type='RandomCrop', size=(crop_size, crop_size)),
    dict(type='RandomHorizontalFlip', prob=0.5),
    {{_base_.nlog_target}},
    {{_base_.interval_target}},
]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
