# UniFormer-B, Kinetics-600, 16 frames x stride 8: paper 83.4 top-1 with 4 clips x 1 crop,
# 96.8 GFLOPs per view (387G in all), 49.8M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.3, AdamW 1.25e-4 for 32 videos x 2 augmented clips
# on 8 GPUs, 10 warm-up + 100 cosine epochs.
# Defined as uniformer_video_s_16x8_k600.py (the same sampling and batch) with the B backbone,
# its drop path and learning rate.
_base_ = './uniformer_video_s_16x8_k600.py'
# Short of GPU memory? backbone=dict(checkpoint_num=...): see uniformer_video_b_16x4_k400.py.
model = dict(
    backbone=dict(variant='uniformer_video_b', drop_path_rate=0.3,
                  init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
base_lr = 1.25e-4
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
                   _base_.param_scheduler[1]]
