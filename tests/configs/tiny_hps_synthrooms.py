# The main job shrunk for tests: tiny backbone, tiny images, a handful of iterations.
_base_ = ['../../configs/hps_synthrooms.py']

tiny = dict(img_size=(32, 48), num_samples=8)
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(**tiny, pipeline=[dict(type='RandomHorizontalFlip')]))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False, dataset=tiny)
test_dataloader = dict(batch_size=4, num_workers=0, dataset=tiny)

model = dict(backbone=dict(model_name='resnet10t'), test_cfg=dict(flip=False),
             tasks=dict(depth=dict(branch=dict(channels=(16, 16, 8, 8))),
                        seg=dict(branch=dict(channels=(16, 16, 8, 8)))))

train_cfg = dict(max_iters=6, val_interval=6)
default_hooks = dict(checkpoint=dict(interval=3), logger=dict(interval=1))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=6)]
