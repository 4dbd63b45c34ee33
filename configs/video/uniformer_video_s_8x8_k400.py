# UniFormer-S, Kinetics-400, 8 frames x stride 8: paper 78.4 top-1 with 4 clips x 1 crop, 17.5
# GFLOPs per view (70G in all), 21.4M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.1, AdamW 4e-4 for 128 videos x 2 augmented clips on
# 8 GPUs, 10 warm-up + 90 cosine epochs.
# Defined as uniformer_video_s_16x4_k400.py with 8 frames x stride 8, its batch and schedule.
_base_ = './uniformer_video_s_16x4_k400.py'
clip_len, frame_interval = 8, 8
train_sampling = dict(_base_.train_sampling, clip_len=clip_len, frame_interval=frame_interval)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
recipe_gpus, videos_per_gpu = 8, 16  # the recipe's 128 videos per batch
train_dataloader = dict(
    batch_size=videos_per_gpu,
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.val_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
base_lr, max_epochs = 4e-4, 100  # the same 10 warm-up epochs
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
    dict(_base_.param_scheduler[1], T_max=max_epochs - _base_.warmup_epochs, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
