# UniFormer-S, Something-Something V2, 32 frames (one from each of 32 equal segments), started
# from the Kinetics-400 16x4 model: paper 69.0 top-1 with 1 clip x 3 crops, 109.7 GFLOPs per
# view (329G in all), 21.4M params (paper). The authors' recipe: drop path 0.3, AdamW 2e-4 for
# 32 videos x 2 augmented clips on 8 GPUs, 5 warm-up + 45 cosine epochs, no flip.
# Defined as uniformer_video_s_16_sthv2.py with 32 frames (the same recipe).
_base_ = './uniformer_video_s_16_sthv2.py'
clip_len = 32
train_sampling = dict(_base_.train_sampling, clip_len=clip_len)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.val_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
