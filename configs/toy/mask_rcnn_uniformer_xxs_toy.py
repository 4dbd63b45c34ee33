# The smallest detection config, trained on the generated toy dataset
# (`python tools/make_toy_data.py data/toy`): used by `make demo` and the learning tests.
# The backbone of configs/det/mask_rcnn_uniformer_xxs.py (no ImageNet weights) with 64-channel
# FPN, RPN and RoI heads instead of 256 (fc 256 instead of 1024), 2 classes, 128 px images,
# a higher LR. The slim heads make a training step cheap (0.5 s at batch 4 on 2 AMD EPYC
# cores), so `make demo` trains the whole schedule: 12 epochs on 64 images, 192 steps, ~100 s;
# three runs (seeds, thread counts) agree within 0.02 AP (README).
_base_ = '../det/mask_rcnn_uniformer_xxs.py'

data_root = 'data/toy/'
metainfo = dict(classes=('rectangle', 'ellipse'))
image_size = (128, 128)

width = 64
model = dict(
    backbone=dict(init_cfg=None),
    neck=dict(out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=width),
        bbox_head=dict(in_channels=width, fc_out_channels=256, num_classes=2),
        mask_roi_extractor=dict(out_channels=width),
        mask_head=dict(in_channels=width, conv_out_channels=width, num_classes=2)),
    # Fewer sampled anchors / RoIs per image than COCO training: RoIAlign's CPU backward
    # dominates a step otherwise, and 128 px toy images hold at most 3 objects.
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=64))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_train.json', data_prefix=dict(img='train/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=8), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_val.json', data_prefix=dict(img='val/'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[int(max_epochs * 0.75)], gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=1, max_keep_ckpts=2),
                     visualization=dict(draw=False))
randomness = dict(seed=0)
