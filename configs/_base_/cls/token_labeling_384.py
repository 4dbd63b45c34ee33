# The authors' 384-px fine-tuning with token labeling (exp/*_tl_384/run.sh): from the 224-px
# token-labeling file, 60 epochs (50 + 10) at a constant lr 5e-6, weight decay 1e-8, batch
# 64 x 8 GPUs, no EMA; evaluation: short side to 426 (384 / 0.9), bicubic, centre crop 384.
_base_ = './token_labeling.py'

_bgr_mean, _bgr_std = [103.53, 116.28, 123.675], [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=384, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in _bgr_mean], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=_bgr_mean, fill_std=_bgr_std),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=426, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=384),
    dict(type='PackInputs'),
]
val_dataloader = dict(batch_size=64, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=5e-6, weight_decay=1e-8))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=60)]
train_cfg = dict(max_epochs=60)
auto_scale_lr = dict(base_batch_size=512)
# no EMA; the safeguards of ../models/uniformer_cls.py (a list replaces the base's whole)
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]
