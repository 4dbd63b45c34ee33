# UniFormer-S, Kinetics-400, 16 frames x stride 4 (paper: 80.8 top-1, 4 clips x 1 crop,
# 41.8 GFLOPs per view, 21.4M params). The authors' recipe: ImageNet-1K init (inflated),
# drop path 0.1, AdamW 1e-4 for batch 32 x 2 repeats, 10 warm-up + 100 cosine epochs.
_base_ = [
    '../_base_/models/recognizer3d_uniformer_video.py',
    '../_base_/datasets/kinetics400_video.py',
    '../_base_/schedules/video_adamw_cosine.py',
]
clip_len, frame_interval = 16, 4
train_sampling = dict(type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
                      num_clips=1)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.test_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
