# The authors' recipe of the light models (image_classification/main_light.py,
# exp_light/*/run.sh): 600 epochs, 30 warm-up epochs from 1e-6, cosine to 1e-5, AdamW lr
# 5e-4 x batch / 512 (XS: 4e-3; XXS: 4e-4 x 8 = 3.2e-3 and weight decay 0.1), batch 512 x 8
# GPUs, no repeated augmentation, EMA 0.9999, no mixed precision (the authors saw NaN losses),
# two heads in training (0.5 x pooled head + 0.5 x class-token head). The class token is not
# decayed. Augmentation: in1k's (Mixup / CutMix, random erasing 0.25, XS RandAugment m9), XXS
# with AutoAugment instead (the authors' "weaker augmentation": timm's 'v0' policy, see the XXS
# configs). Evaluation: short side to size / 0.875 (bicubic), centre crop.
_base_ = './in1k.py'

train_dataloader = dict(batch_size=512, sampler=dict(_delete_=True, type='DefaultSampler',
                                                     shuffle=True))
val_dataloader = dict(batch_size=512)
test_dataloader = val_dataloader

_lr = 5e-4 * 4096 / 512
optim_wrapper = dict(
    optimizer=dict(lr=_lr),
    paramwise_cfg=dict(custom_keys={'cls_token': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / _lr, by_epoch=True, begin=0, end=30,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=570, eta_min=1e-5, by_epoch=True, begin=30, end=600),
]
train_cfg = dict(max_epochs=600)
auto_scale_lr = dict(base_batch_size=4096)
# a list replaces the base's whole: the safeguards of ../models/uniformer_cls.py again
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook'),
                dict(type='EMAHook', momentum=1e-4, update_buffers=True, priority='ABOVE_NORMAL')]
