# Long videos in MMAction2's video-list format, laid out as LVU-style data usually is:
#   data/lvu/videos/<youtube id>.mp4
#   data/lvu/lists/<task>_{train,val,test}.txt   lines "<youtube id>.mp4 LABEL"
#                                                (multi-label tasks: "<id>.mp4 L1 L2 ...")
# One sample is one whole video: SampleLongVideo takes `num_clips` clips of
# clip_len x frame_interval frames spread evenly over it (16 x 16 frames every 4th: one clip
# per 7.5 s of a 2-minute video) for the video backbone, and `static_frames` single frames
# spread over the whole video for the image backbone (64: one every ~1.9 s of a 2-minute
# video), decoded together. Videos shorter than the clips ask for are sampled anyway
# (overlapping clips; looping below one clip) with a warning naming them.
task = 'scene'
dataset_type = 'VideoDataset'
data_root = 'data/lvu/videos'
ann_file_train = f'data/lvu/lists/{task}_train.txt'
ann_file_val = f'data/lvu/lists/{task}_val.txt'
ann_file_test = f'data/lvu/lists/{task}_test.txt'

clip_len, frame_interval, num_clips, static_frames = 16, 4, 16, 64
decode = [dict(type='DecordInit')]
train_sampling = dict(type='SampleLongVideo', clip_len=clip_len, frame_interval=frame_interval,
                      num_clips=num_clips, static_frames=static_frames)
test_sampling = dict(train_sampling, test_mode=True)
# frame_times / frame_seconds: where each decoded frame sits in its video, as a fraction and
# in seconds (STAN's time codes); static_frames: how many of the decoded frames (packed after
# the clips) are the static ones
pack = dict(type='PackActionInputs',
            meta_keys=('img_shape', 'filename', 'total_frames', 'frame_times', 'frame_seconds',
                       'static_frames'))
train_transforms = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.4, 1.), aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    pack,
]
test_transforms = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    pack,
]
train_pipeline = decode + [train_sampling] + train_transforms
test_pipeline = decode + [test_sampling] + test_transforms

train_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file_train, data_prefix=dict(video=data_root),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file_val, data_prefix=dict(video=data_root),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file_test, data_prefix=dict(video=data_root),
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
