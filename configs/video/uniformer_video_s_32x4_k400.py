# UniFormer-S, Kinetics-400, 32 frames x stride 4: paper 82.0 top-1 with 4 clips x 1 crop,
# 109.5 GFLOPs per view (438G in all), 21.4M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.1, AdamW 1e-4 for 32 videos x 2 augmented clips on
# 8 GPUs, 10 warm-up + 100 cosine epochs.
# Defined as uniformer_video_s_16x4_k400.py with 32 frames (the same recipe).
_base_ = './uniformer_video_s_16x4_k400.py'
clip_len, frame_interval = 32, 4
train_sampling = dict(_base_.train_sampling, clip_len=clip_len)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.val_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
