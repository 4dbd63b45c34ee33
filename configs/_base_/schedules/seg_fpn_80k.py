# The authors' Semantic FPN recipe: AdamW lr 2e-4, weight decay 1e-4, linear warm-up 1000
# iterations from 0.1x then cosine decay, 80k iterations, batch 32 (8 GPUs x 4).
_base_ = 'mmseg::_base_/schedules/schedule_80k.py'

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4,
                   fused=True))  # one kernel for all tensors (CPU and CUDA)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=1000),
    dict(type='CosineAnnealingLR', T_max=79000, eta_min_ratio=1e-8, by_epoch=False,
         begin=1000, end=80000),
]
auto_scale_lr = dict(enable=False, base_batch_size=32)
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
