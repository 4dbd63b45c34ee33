# UniFormer-B, Something-Something V1, 32 frames (one from each of 32 equal segments), started
# from the Kinetics-400 16x4 model: paper 60.9 top-1 with 1 clip x 3 crops, 259 GFLOPs per
# view (777G in all), 49.8M params (paper). The authors' recipe: drop path 0.6, AdamW 2e-4 for
# 32 videos x 2 augmented clips on 8 GPUs, 5 warm-up + 55 cosine epochs, no flip.
# Defined as uniformer_video_s_32_sthv1.py (the same sampling, batch and schedule) with the
# B backbone and its drop path.
_base_ = './uniformer_video_s_32_sthv1.py'
# Short of GPU memory? backbone=dict(checkpoint_num=...): see uniformer_video_b_16x4_k400.py.
model = dict(
    backbone=dict(variant='uniformer_video_b', drop_path_rate=0.6,
                  # the backbone of the B K400 16x4 recogniser
                  init_cfg=dict(checkpoint='zoo://uniformer_video_b_16x4_k400_mmaction2')))
