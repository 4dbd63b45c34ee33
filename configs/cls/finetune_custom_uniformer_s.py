# Fine-tune UniFormer-S on your own images: one sub-folder per class,
#   data/custom/train/<class>/*.jpg   data/custom/val/<class>/*.jpg
# The ImageNet-1K file of the model zoo initialises everything but the classifier, which gets
# one output per class folder: the package's tools/train.py and test.py count the folders of
# the training set (num_classes=None) and log it; under MMPretrain's own tools set
# model.backbone.num_classes to the count (not model.data_preprocessor: a data_preprocessor
# inside model replaces the config's top-level one, mean / std included).
#   python tools/train.py configs/cls/finetune_custom_uniformer_s.py
# Recipe: 30 epochs, batch 32, AdamW lr 1e-4 with a 1-epoch warm-up and cosine decay, the
# ImageNet augmentation without Mixup / CutMix (small datasets), label smoothing 0.1.
_base_ = './uniformer_small_in1k.py'

data_root = 'data/custom'
model = dict(
    backbone=dict(num_classes=None, drop_path_rate=0.1,
                  init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k',
                                replace_head=True)),
    head=dict(topk=(1, )),
    train_cfg=dict(_delete_=True))

train_dataloader = dict(
    batch_size=32,
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root, data_prefix='train',
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root, data_prefix='val',
                 pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))  # add 5 with five classes or more
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=29, eta_min=1e-6, by_epoch=True, begin=1, end=30),
]
train_cfg = dict(max_epochs=30)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'))
