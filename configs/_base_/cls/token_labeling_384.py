# The authors' 384-px fine-tuning with token labeling (exp/*_tl_384/run.sh): from the 224-px
# token-labeling file, 60 epochs (50 + 10) at a constant lr 5e-6, weight decay 1e-8, batch
# 64 x 8 GPUs, no EMA; token labeling and MixToken as at 224 (the same maps, 12 x 12
# tokens); evaluation: short side to 426 (384 / 0.9), bicubic, centre crop 384.
_base_ = './token_labeling.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTokenLabel', label_root={{_base_.token_label_root}}, num_classes=1000),
    dict(type='TokenLabelRandomResizedCrop', scale=384, backend='pillow',
         interpolation='bicubic'),
    dict(type='TokenLabelRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=[103.53, 116.28, 123.675],
         fill_std=[57.375, 57.12, 58.395]),
    dict(type='TokenLabelTarget'),  # 12 x 12 tokens at 384 (the authors' --token-label-size 12)
    dict(type='PackInputs', algorithm_keys=('gt_token_score', 'gt_crop_score')),
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
