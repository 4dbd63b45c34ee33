# UniFormer-S, Kinetics-400, 16 frames x stride 4: paper 80.8 top-1 with 4 clips x 1 crop,
# 41.8 GFLOPs per view (167G in all), 21.4M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.1, AdamW 1e-4 for 32 videos x 2 augmented clips on
# 8 GPUs, 10 warm-up + 100 cosine epochs.
# The full definition: every other *_k400 config inherits it, directly or through a sibling.
_base_ = [
    '../_base_/models/recognizer3d_uniformer_video.py',
    '../_base_/datasets/kinetics400_video.py',
    '../_base_/schedules/video_adamw_cosine.py',
]
model = dict(backbone=dict(drop_path_rate=0.1))
clip_len, frame_interval = 16, 4
train_sampling = dict(type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
                      num_clips=1)
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
base_lr, warmup_epochs, max_epochs = 1e-4, 10, 110
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr, end=warmup_epochs),
    dict(_base_.param_scheduler[1], T_max=max_epochs - warmup_epochs, begin=warmup_epochs,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
