# UniFormer-B, Something-Something V2, 16 frames (one from each of 16 equal segments), started
# from the Kinetics-400 16x4 model: paper 70.4 top-1 with 1 clip x 3 crops, 96.7 GFLOPs per
# view (290G in all), 49.8M params (paper). The authors' recipe: drop path 0.4, AdamW 2.5e-4
# for 40 videos x 2 augmented clips on 8 GPUs, 5 warm-up + 45 cosine epochs, no flip.
# Defined as uniformer_video_s_16_sthv2.py (the same sampling) with the B backbone, its drop path,
# batch and learning rate.
_base_ = './uniformer_video_s_16_sthv2.py'
# Short of GPU memory? backbone=dict(checkpoint_num=...): see uniformer_video_b_16x4_k400.py.
model = dict(
    backbone=dict(variant='uniformer_video_b', drop_path_rate=0.4,
                  # the backbone of the B K400 16x4 recogniser
                  init_cfg=dict(checkpoint='zoo://uniformer_video_b_16x4_k400_mmaction2')))
recipe_gpus, videos_per_gpu = 8, 5  # the recipe's 40 videos per batch
train_dataloader = dict(batch_size=videos_per_gpu)
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
base_lr = 2.5e-4
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
                   _base_.param_scheduler[1]]
