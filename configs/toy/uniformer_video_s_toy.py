# The smallest video config, trained briefly on the generated toy videos
# (`python tools/make_toy_data.py data/toy` writes data/toy/video: 64x64 clips of 16 frames,
# 4 classes told apart only by the direction of motion): used by `make demo` and the learning
# tests. The UniFormer-S video network of configs/video/uniformer_video_s_16x4_k400.py with 4
# classes, no ImageNet weights, 8-frame clips (stride 2) at 64 px, no mixup/cutmix,
# RandAugment, erasing or flips (a flip would swap the classes), and a short schedule.
# The network is shrunk to one block per stage (depths=(1, 1, 1, 1), same widths: 5.5M
# backbone parameters instead of 21.2M) so that it learns the task in about a minute on two CPU
# cores; every op of the full network (3D patch embeddings, local 3D blocks, global
# space-time attention, the final BatchNorm) is still exercised.
_base_ = '../video/uniformer_video_s_16x4_k400.py'

data_root = 'data/toy/video'
num_classes = 4
model = dict(
    backbone=dict(depths=(1, 1, 1, 1), drop_path_rate=0., init_cfg=None),
    cls_head=dict(num_classes=num_classes, label_smooth_eps=0.),
    data_preprocessor=dict(blending=None))

clip_len, frame_interval = 8, 2
train_sampling = dict(type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
                      num_clips=1)
test_sampling = dict(train_sampling, test_mode=True)
transforms = [
    dict(type='DecordDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
dataset = dict(type='VideoDataset', data_root=data_root, data_prefix=dict(video=''))
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(_delete_=True, **dataset, ann_file='train_list.txt',
                 pipeline=_base_.decode + [train_sampling] + transforms))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, **dataset, ann_file='val_list.txt', test_mode=True,
                 pipeline=_base_.decode + [test_sampling] + transforms))
test_dataloader = val_dataloader

max_epochs = 6  # 256 videos / batch 8: 32 iterations an epoch
warmup_epochs = 1
train_cfg = dict(max_epochs=max_epochs, val_begin=1, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1e-5,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
default_hooks = dict(logger=dict(interval=16),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
