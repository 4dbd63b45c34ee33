# The authors' ImageNet-1K recipe (image_classification/main.py, exp/*/run.sh), in MMPretrain:
# - data: MMPretrain's Swin/DeiT pipeline, which is the authors' (DeiT's): RandomResizedCrop +
#   flip, RandAugment rand-m9-mstd0.5-inc1, random erasing 0.25; Mixup 0.8 / CutMix 1.0 (one per
#   batch), label smoothing 0.1; repeated augmentation (3 repeats); batch 128 x 8 GPUs.
# - evaluation: short side to 256 (size / 0.875, bicubic), centre crop 224, ImageNet mean / std.
# - optimisation: AdamW, weight decay 0.05 except on norms, biases and other 1-D tensors (timm's
#   rule: the depthwise position convolutions' kernels do decay), lr 5e-4 x batch / 512 (S:
#   1e-3), 5 warm-up epochs from 1e-6, cosine to 1e-5, 300 epochs; native AMP (--amp).
# ImageNet under data/imagenet/: {train,val}/ with meta/{train,val}.txt, or one folder per class.
_base_ = [
    '../models/uniformer_cls.py',
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=128, sampler=dict(type='RepeatAugSampler', shuffle=True))
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader

_lr = 5e-4 * 1024 / 512
optim_wrapper = dict(
    optimizer=dict(lr=_lr, weight_decay=0.05),
    paramwise_cfg=dict(_delete_=True, norm_decay_mult=0.0, bias_decay_mult=0.0,
                       flat_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / _lr, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=295, eta_min=1e-5, by_epoch=True, begin=5, end=300),
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
auto_scale_lr = dict(base_batch_size=1024)
