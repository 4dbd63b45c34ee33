# STAN with UniFormer-S backbones, frozen, on a long-video list (LVU "scene", 6 classes, by
# default; any MMAction2 video list works: set the paths and num_classes). The backbones see
# 16 clips x 16 frames and 32 frames of each video and are not trained; only the two-stream
# transformer and the head are (6.8M parameters: the data-efficient regime).
# Two ways to train it:
#   live:   python tools/train.py configs/long_video/stan_uniformer_s_frozen.py
#   cached: python tools/extract_features.py configs/long_video/stan_uniformer_s_frozen.py \
#               --out-dir data/lvu/features      (once; decodes every video once)
#           python tools/train.py configs/long_video/stan_uniformer_s_cached.py
# Either checkpoint then runs on videos with this config (tools/test.py, tools/demo.py).
# The schedule is ours (STAN's recipe is not public): AdamW 5e-4 for 4 videos per batch on one
# GPU, 2 warm-up + 28 cosine epochs, weight decay 0.05 except on 1-D parameters.
_base_ = [
    '../_base_/models/stan_uniformer_s.py',
    '../_base_/datasets/long_video_list.py',
    '../_base_/schedules/video_adamw_cosine.py',
]
num_classes = 6
model = dict(cls_head=dict(num_classes=num_classes))
base_lr, warmup_epochs, max_epochs = 5e-4, 2, 30
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr, end=warmup_epochs),
    dict(_base_.param_scheduler[1], T_max=max_epochs - warmup_epochs, begin=warmup_epochs,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3, save_best='auto'))
auto_scale_lr = dict(base_batch_size=4)  # 1 GPU x 4 videos
