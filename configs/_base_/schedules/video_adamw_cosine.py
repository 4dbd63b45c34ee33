# The authors' video recipe: AdamW, weight decay 0.05 except on 1-D parameters (norms,
# biases: ZERO_WD_1D_PARAM), linear warm-up then cosine to 1e-6, gradient-norm clip 20.
# A config that changes base_lr, warmup_epochs or max_epochs restates what depends on them:
# optim_wrapper, param_scheduler and train_cfg (MMEngine substitutes a base file's variables
# when it reads that file, so redefining only the variable in a child would change nothing;
# the same holds for a video config inheriting another). The LR is for the recipe's batch on
# its GPUs: auto_scale_lr.base_batch_size is GPUs x the train dataloader's batch_size, the
# number MMEngine compares with yours under --auto-scale-lr (videos for the
# repeated-augmentation datasets, which each yield 2 clips; clips where a dataset wrapper
# repeats instead). MMAction2's runtime (hooks, logging, default_scope='mmaction') comes with
# it.
_base_ = 'mmaction::_base_/default_runtime.py'

base_lr = 1e-4
warmup_epochs = 10
max_epochs = 110
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.05,
                   fused=True),  # one kernel for all tensors (CPU and CUDA)
    paramwise_cfg=dict(flat_decay_mult=0.),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    # Warm-up from the authors' WARMUP_START_LR 1e-6.
    dict(type='LinearLR', start_factor=1e-6 / base_lr, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1e-6,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3, save_best='auto',
                                     backend_args=dict(backend='atomic_local')))
auto_scale_lr = dict(enable=False, base_batch_size=32)  # 8 GPUs x 4 videos
