# UniFormer-B, Kinetics-400, 8 frames x stride 8: paper 79.8 top-1 with 4 clips x 1 crop, 40.2
# GFLOPs per view (161G in all), 49.8M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.3, AdamW 2e-4 for 64 videos x 2 augmented clips on
# 8 GPUs, 10 warm-up + 90 cosine epochs.
# Defined as uniformer_video_s_8x8_k400.py (the same sampling and epochs) with the B backbone,
# its drop path, batch and learning rate.
_base_ = './uniformer_video_s_8x8_k400.py'
# Short of GPU memory? backbone=dict(checkpoint_num=...): see uniformer_video_b_16x4_k400.py.
model = dict(
    backbone=dict(variant='uniformer_video_b', drop_path_rate=0.3,
                  init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
recipe_gpus, videos_per_gpu = 8, 8  # the recipe's 64 videos per batch
train_dataloader = dict(batch_size=videos_per_gpu)
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
base_lr = 2e-4
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
                   _base_.param_scheduler[1]]
