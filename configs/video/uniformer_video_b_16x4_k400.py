# UniFormer-B, Kinetics-400, 16 frames x stride 4: paper 82.0 top-1 with 4 clips x 1 crop,
# 96.8 GFLOPs per view (387G in all), 49.8M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.3, AdamW 1.25e-4 for 40 videos x 2 augmented clips
# on 8 GPUs, 10 warm-up + 100 cosine epochs.
_base_ = [
    '../_base_/models/recognizer3d_uniformer_video.py',
    '../_base_/datasets/kinetics400_video.py',
    '../_base_/schedules/video_adamw_cosine.py',
]
# Short of GPU memory? backbone=dict(checkpoint_num=(0, 0, 4, 0)) recomputes the first 4
# stage-3 blocks in the backward pass (the authors' suggestion); off by default: it
# costs time.
model = dict(
    backbone=dict(variant='uniformer_video_b', drop_path_rate=0.3,
                  init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
clip_len, frame_interval = 16, 4
train_sampling = dict(type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
                      num_clips=1)
val_sampling = dict(train_sampling, test_mode=True)
test_sampling = dict(val_sampling, num_clips=_base_.test_num_clips)
recipe_gpus, videos_per_gpu = 8, 5  # the recipe's 40 videos per batch
train_dataloader = dict(
    batch_size=videos_per_gpu,
    dataset=dict(pipeline=_base_.decode + [train_sampling] + _base_.train_transforms))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [val_sampling] + _base_.val_transforms))
test_dataloader = dict(
    dataset=dict(pipeline=_base_.decode + [test_sampling] + _base_.test_transforms))
base_lr, warmup_epochs, max_epochs = 1.25e-4, 10, 110
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr, end=warmup_epochs),
    dict(_base_.param_scheduler[1], T_max=max_epochs - warmup_epochs, begin=warmup_epochs,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
