# Kinetics-400 as MMAction2 lays it out: videos under data/kinetics400/videos_{train,val},
# lists "relative/path.mp4 label" (kinetics400_{train,val}_list_videos.txt, MMAction2's
# alphabetical class order). The pieces below are assembled by each config around its own
# frame sampling (clip_len x frame_interval):
#   pipeline = _base_.decode + [dict(type='SampleFrames', ...)] + _base_.train_transforms
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = ann_file_val

decode = [dict(type='DecordInit')]
# The authors' augmentation: random-resized crop (scale 0.08-1, aspect 3/4-4/3) of the clip
# to 224, flip, RandAugment (n=4, m=7; the same ops on every frame of a clip), random erasing
# (p=0.25, per-pixel noise); mixup/cutmix and label smoothing live in the model config.
train_transforms = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 320)),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.), aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    # The authors' timm policy rand-m7-n4 measures magnitude on a 0-10 scale; torchvision's
    # default 31 bins would make magnitude 7 a third as strong, so 11 bins (0-10).
    dict(type='TorchVisionWrapper', op='RandAugment', num_ops=4, magnitude=7,
         num_magnitude_bins=11),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# Short side 224, centre crop: one crop per clip (the published 4 clips x 1 crop).
test_transforms = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_num_clips = 4  # views per video at test time (clips x 1 crop)
val_transforms = test_transforms  # validation: the same, with one clip per video

train_dataloader = dict(
    # Videos per GPU; each yields 2 clips (below), so a batch of 4 holds 8 clips. MMEngine's
    # auto_scale_lr counts this batch_size, i.e. videos.
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # Repeated augmentation (the authors' AUG.NUM_SAMPLE 2): two differently augmented
    # views of each decoded video in the batch.
    collate_fn=dict(type='repeat_pseudo_collate'),
    dataset=dict(type='RepeatAugDataset', num_repeats=2, sample_once=True,
                 ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file_val, data_prefix=dict(video=data_root_val),
                 test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file_test,
                 data_prefix=dict(video=data_root_val), test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
