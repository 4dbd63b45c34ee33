# UniFormer-S, Kinetics-600, 16 frames x stride 8: paper 82.7 top-1 with 4 clips x 1 crop,
# 41.8 GFLOPs per view (167G in all), 21.4M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.1, AdamW 1e-4 for 32 videos x 2 augmented clips on
# 8 GPUs, 10 warm-up + 100 cosine epochs.
# Defined as uniformer_video_s_16x4_k600.py with frame stride 8, its batch and learning rate.
_base_ = './uniformer_video_s_16x4_k600.py'
clip_len, frame_interval = 16, 8
train_sampling = dict(_base_.train_sampling, frame_interval=frame_interval)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
recipe_gpus, videos_per_gpu = 8, 4  # the recipe's 32 videos per batch
train_dataloader = dict(
    batch_size=videos_per_gpu,
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.val_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
base_lr = 1e-4
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
                   _base_.param_scheduler[1]]
