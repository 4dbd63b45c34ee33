# UniFormer-B, Kinetics-400, 32 frames x stride 4: paper 82.9 top-1 with 4 clips x 1 crop, 259
# GFLOPs per view (1036G in all), 49.8M params (paper; 400 classes). The authors' recipe:
# ImageNet-1K init (inflated), drop path 0.3, AdamW 1e-4 for 32 videos x 2 augmented clips on
# 8 GPUs, 10 warm-up + 100 cosine epochs.
# Defined as uniformer_video_s_32x4_k400.py (the same sampling, batch and schedule) with the
# B backbone and its drop path.
_base_ = './uniformer_video_s_32x4_k400.py'
# Short of GPU memory? backbone=dict(checkpoint_num=...): see uniformer_video_b_16x4_k400.py.
model = dict(
    backbone=dict(variant='uniformer_video_b', drop_path_rate=0.3,
                  init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
