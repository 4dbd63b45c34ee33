# Top-down heatmap pose estimation with a UniFormer backbone (global stage 3), COCO
# keypoints, 256x192, as the authors trained it: AdamW, 210 epochs, steps at 170 and 200,
# deconvolution heatmap head on the stride-32 map, MSRA heatmaps, flip test, person boxes
# from a detector with 56 AP (`bbox_file`; set it to None to use ground-truth boxes).
_base_ = 'mmpose::_base_/default_runtime.py'
custom_imports = dict(imports=['uniformer_dense'], allow_failed_imports=False)
# The package's safeguards (see the detection/segmentation bases) after MMPose's own hook.
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='NonFiniteLossHook'),
                dict(type='RandomStateHook')]

train_cfg = dict(max_epochs=210, val_interval=10)
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.01,
                   fused=True),  # one kernel for all tensors (CPU and CUDA)
    paramwise_cfg=dict(custom_keys={
        'norm': dict(decay_mult=0.), 'pos_embed': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=1024)
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater', interval=10,
                                     backend_args=dict(backend='atomic_local')))

codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(
        type='UniFormer',
        variant='uniformer_s',
        drop_path_rate=0.2,
        out_indices=(3,),  # the head reads the stride-32 map only
        init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k')),
    head=dict(
        type='HeatmapHead',
        in_channels=512,
        out_channels=17,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4),
        final_layer=dict(kernel_size=1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
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
    batch_size=128, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 ann_file='annotations/person_keypoints_train2017.json',
                 data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 ann_file='annotations/person_keypoints_val2017.json',
                 bbox_file='data/coco/person_detection_results/'
                           'COCO_val2017_detections_AP_H_56_person.json',
                 data_prefix=dict(img='val2017/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric',
                     ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator

# MMPose's visualiser with a numpy-2 fix (uniformer_dense/compat.py).
visualizer = dict(type='PoseLocalVisualizerNp2', vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')
