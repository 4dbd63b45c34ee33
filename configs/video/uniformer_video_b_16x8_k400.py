# UniFormer-B, Kinetics-400, 16 frames x stride 8: paper 81.7 top-1 with 4 clips x 1 crop,
# 96.8 GFLOPs per view (387G in all), 49.8M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.3, AdamW 1.25e-4 for 40 videos x 2 augmented clips
# on 8 GPUs, 10 warm-up + 100 cosine epochs.
# Defined as uniformer_video_b_16x4_k400.py with frame stride 8 (the same recipe).
_base_ = './uniformer_video_b_16x4_k400.py'
clip_len, frame_interval = 16, 8
train_sampling = dict(_base_.train_sampling, frame_interval=frame_interval)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.val_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
