# UniFormer-XXS at 224 px: ImageNet-1K, 224 px (paper: 80.6 top-1, 10.2M params, 1.3G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_xxs_in1k.py zoo://uniformer_xxs_in1k
_base_ = ['../_base_/cls/light.py', '../_base_/cls/autoaugment_v0.py']

model = dict(backbone=dict(arch='uniformer_xxs_in1k', drop_path_rate=0.0))
# XXS: lr 4e-4 x 4096 / 512, weight decay 0.1, timm's AutoAugment 'v0' policy as released.
optim_wrapper = dict(optimizer=dict(lr=3.2e-3, weight_decay=0.1))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 3.2e-3, by_epoch=True, begin=0, end=30,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=570, eta_min=1e-5, by_epoch=True, begin=30,
         end=600),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AutoAugment', policies={{_base_.autoaugment_v0}},
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=[103.53, 116.28, 123.675],
         fill_std=[57.375, 57.12, 58.395]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
