# Token labeling on the generated toy folders (`python tools/make_toy_data.py data/toy` writes
# data/toy/cls and, for its training images, dense label maps in LV-ViT's format under
# data/toy/cls/labels): the token-labeling recipe (label maps cropped and flipped with the
# image, MixToken, class + per-token loss) on a two-block-per-stage UniFormer-S (head dim 32,
# token-labeling heads) at 128 px (4 x 4 tokens), a few epochs, no ImageNet weights.
#   python tools/train.py configs/toy/uniformer_tl_cls_toy.py
_base_ = '../cls/uniformer_small_tl_in1k.py'

data_root = 'data/toy/cls'
model = dict(backbone=dict(num_classes=None, depths=(1, 1, 2, 1), drop_path_rate=0.0),
             head=dict(topk=(1, )))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTokenLabel', label_root=data_root + '/labels', num_classes=3),
    dict(type='TokenLabelRandomResizedCrop', scale=128, crop_ratio_range=(0.6, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='TokenLabelRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='TokenLabelTarget'),
    dict(type='PackInputs', algorithm_keys=('gt_token_score', 'gt_crop_score')),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=128, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=128),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root, data_prefix='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=24, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root, data_prefix='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

max_epochs = 3
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
                        by_epoch=True, begin=0, end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]  # no EMA
default_hooks = dict(logger=dict(interval=2),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0, deterministic=False)
auto_scale_lr = dict(base_batch_size=8)
