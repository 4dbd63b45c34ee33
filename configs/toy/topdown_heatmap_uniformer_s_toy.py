# The smallest pose config, trained on the generated toy dataset (shapes with 17
# keypoints; `python tools/make_toy_data.py data/toy`): used by `make demo` and the learning
# tests. Same model as configs/pose/topdown_heatmap_uniformer_s_256x192.py at 64x64 input,
# ground-truth boxes, no flips (toy keypoints have no left/right pairs), no ImageNet weights.
# `make demo` trains the whole schedule on 64 images (~50 s on 2 cores): the loss levels off
# from epoch ~9 near 0.6 keypoint AP (16x16 heatmaps are coarse for keypoints a pixel apart);
# three runs (seeds, thread counts) agree within 0.03 AP (README).
_base_ = '../pose/topdown_heatmap_uniformer_s_256x192.py'

data_root = 'data/toy/'
codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
model = dict(
    backbone=dict(init_cfg=None, drop_path_rate=0.),
    head=dict(decoder=codec),
    test_cfg=dict(flip_test=False))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomBBoxTransform', rotate_prob=0.),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/person_keypoints_train.json',
                 data_prefix=dict(img='train/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/person_keypoints_val.json',
                 bbox_file=None, data_prefix=dict(img='val/'), pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=20, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=max_epochs, milestones=[int(max_epochs * 0.8)],
         gamma=0.1, by_epoch=True),
]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=2),
                     visualization=dict(enable=False))
randomness = dict(seed=0)
