# The authors' token-labeling recipe at 224 px (token_labeling/main.py, exp/*_tl_224/run.sh):
# - AdamW lr 1.6e-3 (not scaled by batch), weight decay 0.05, 5 warm-up epochs from 1e-6,
#   cosine to 1e-5 over 300 epochs, then 10 more at 1e-5 (310 in all); batch 128 x 8 GPUs;
#   EMA 0.99992 (the reported weights); no Mixup / CutMix (MixToken in the model instead), no
#   repeated augmentation; apex AMP (--amp).
# - evaluation: crop_pct 0.9 (timm's default for these models): short side to 248, bicubic,
#   centre crop 224.
# - token labeling (LV-ViT's): a dense label map per training image (the authors' NFNet-F6
#   top-5 maps, LABEL_ROOT/<class>/<stem>.pt) cropped and flipped with the image; each of the
#   7 x 7 tokens learns the teacher's scores of its cell, the class head the teacher's scores
#   of the crop; MixToken (a box of the stem's tokens from another image, beta(1, 1) share).
# - loss: class head + the per-token head (weight 1.0, the authors' --dense-weight), label
#   smoothing 0.1.
# Without the maps, drop LoadTokenLabel / TokenLabelTarget (and the TokenLabel prefixes): each
# token then learns the image's label, as when fine-tuning on other data.
_base_ = './in1k.py'

# Where the maps are. The pipeline below is built in this file, so a derived config changes
# the folder with train_dataloader.dataset.pipeline (or --cfg-options
# train_dataloader.dataset.pipeline.1.label_root=DIR), not with this variable.
token_label_root = 'data/imagenet/label_top5_train_nfnet'
_bgr_mean, _bgr_std = [103.53, 116.28, 123.675], [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTokenLabel', label_root=token_label_root, num_classes=1000),
    dict(type='TokenLabelRandomResizedCrop', scale=224, backend='pillow',
         interpolation='bicubic'),
    dict(type='TokenLabelRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in _bgr_mean], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=_bgr_mean, fill_std=_bgr_std),
    dict(type='TokenLabelTarget'),
    dict(type='PackInputs', algorithm_keys=('gt_token_score', 'gt_crop_score')),
]
model = dict(backbone=dict(mix_token=True), train_cfg=dict(_delete_=True),
             head=dict(aux_weight=1.0))
train_dataloader = dict(sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
                        dataset=dict(pipeline=train_pipeline))
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
