# The smallest classification config, fine-tuned briefly on the generated toy folders
# (`python tools/make_toy_data.py data/toy` writes data/toy/cls: ellipse / rectangle /
# triangle, 64 px): used by `make demo` and the learning test. configs/cls/
# finetune_custom_uniformer_s.py with UniFormer-XXS (classifier uniformer_xxs_in1k), 64 px, a
# short schedule, and no ImageNet weights (the demo runs offline; the fine-tuning test gives
# a local ImageNet file as init_cfg).
_base_ = '../cls/finetune_custom_uniformer_s.py'

data_root = 'data/toy/cls'
model = dict(backbone=dict(arch='uniformer_xxs_in1k', drop_path_rate=0.0, init_cfg=None))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, crop_ratio_range=(0.6, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=24, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 20
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5, by_epoch=True, begin=1,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=3),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0, deterministic=False)
