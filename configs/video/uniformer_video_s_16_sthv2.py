# UniFormer-S, Something-Something V2, 16 frames (one from each of 16 equal segments), started
# from the Kinetics-400 16x4 model: paper 67.7 top-1 with 1 clip x 3 crops, 41.7 GFLOPs per
# view (125G in all), 21.4M params (paper). The authors' recipe: drop path 0.3, AdamW 2e-4 for
# 32 videos x 2 augmented clips on 8 GPUs, 5 warm-up + 45 cosine epochs, no flip.
# The full definition: every other *_sthv2 config inherits it, directly or through a sibling.
_base_ = [
    '../_base_/models/recognizer3d_uniformer_video.py',
    '../_base_/datasets/sthv2_video.py',
    '../_base_/schedules/video_adamw_cosine.py',
]
num_classes = 174
model = dict(
    backbone=dict(
        drop_path_rate=0.3,
        # The backbone of the K400 16x4 recogniser (MMAction2's conversion of the authors'
        # file); its 400-class head is left out and the 174-class head starts fresh.
        init_cfg=dict(type='Pretrained', prefix='backbone.',
                      checkpoint='zoo://uniformer_video_s_16x4_k400_mmaction2')),
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(a, num_classes=num_classes)
        for a in _base_.model.data_preprocessor.blending.augments])))
clip_len = 16
train_sampling = dict(type='UniformSample', clip_len=clip_len)
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
base_lr, warmup_epochs, max_epochs = 2e-4, 5, 50
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr, end=warmup_epochs),
    dict(_base_.param_scheduler[1], T_max=max_epochs - warmup_epochs, begin=warmup_epochs,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=recipe_gpus * videos_per_gpu)
