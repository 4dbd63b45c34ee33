# The authors' token-labeling recipe at 224 px (token_labeling/main.py, exp/*_tl_224/run.sh):
# - AdamW lr 1.6e-3 (not scaled by batch), weight decay 0.05, 5 warm-up epochs from 1e-6,
#   cosine to 1e-5 over 300 epochs, then 10 more at 1e-5 (310 in all); batch 128 x 8 GPUs;
#   EMA 0.99992 (the reported weights); no Mixup / CutMix (MixToken in the model instead), no
#   repeated augmentation; apex AMP (--amp).
# - evaluation: crop_pct 0.9 (timm's default for these models): short side to 248, bicubic,
#   centre crop 224.
# - loss: class head + the per-token head (weight 1.0, the authors' --dense-weight). Training
#   with LV-ViT's dense label maps and MixToken is not in these configs yet: here each token
#   learns the image's label, which evaluates and fine-tunes the released files.
_base_ = './in1k.py'

model = dict(train_cfg=dict(_delete_=True), head=dict(aux_weight=1.0))
train_dataloader = dict(sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=248, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

_lr = 1.6e-3
optim_wrapper = dict(optimizer=dict(lr=_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / _lr, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=295, eta_min=1e-5, by_epoch=True, begin=5, end=300),
]
train_cfg = dict(max_epochs=310)
# a list replaces the base's whole: the safeguards of ../models/uniformer_cls.py again
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook'),
                dict(type='EMAHook', momentum=8e-5, update_buffers=True, priority='ABOVE_NORMAL')]
