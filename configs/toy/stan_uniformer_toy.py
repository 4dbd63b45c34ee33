# The smallest STAN, for the learning tests and the feature-cache checks, on the generated
# two-minute toy videos (`python tools/make_toy_data.py data/toy --long-videos` writes
# data/toy/long_video: 32x32 px, 4 fps, 480 frames; the class is the order of a red and a blue
# event, one in each half of the video). configs/long_video/stan_uniformer_s_frozen.py with:
# UniFormer-S widths but one block per stage, randomly initialised and frozen (no ImageNet /
# Kinetics files needed: random convolutional features already tell red from blue); 16 clips
# of 8 consecutive frames (2 s each, one every 7.5 s) at 32 px, the image backbone on 2 frames
# inside each clip; a 64-wide transformer with time codes as fractions of the video only;
# no augmentation (a flip is harmless here, a crop could cut an event away).
_base_ = '../long_video/stan_uniformer_s_frozen.py'

data_root = 'data/toy/long_video'
num_classes = 2
tiny = dict(depths=(1, 1, 1, 1), init_cfg=None)
model = dict(
    backbone=tiny,
    image_backbone=tiny,
    image_mean=None, image_std=None,
    fusion=dict(embed_dim=64, depth=2, num_heads=4, dropout=0., seconds_horizon=None),
    cls_head=dict(in_channels=64, num_classes=num_classes, dropout_ratio=0.))
sampling = dict(type='SampleLongVideo', clip_len=8, frame_interval=1, num_clips=16)
pipeline = [
    dict(type='DecordInit'),
    dict(sampling, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.pack,
]
train_pipeline = test_pipeline = pipeline  # test_pipeline: what apis / tools/demo.py use
dataset = dict(type='VideoDataset', data_prefix=dict(video=data_root), pipeline=pipeline)
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, **dataset, ann_file=f'{data_root}/train_list.txt'))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, **dataset, ann_file=f'{data_root}/val_list.txt',
                 test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1,))))
test_evaluator = val_evaluator

base_lr, warmup_epochs, max_epochs = 2e-3, 4, 100
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1e-5,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_begin=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=8),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
