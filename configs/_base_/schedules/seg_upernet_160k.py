# The authors' UperNet recipe: AdamW lr 6e-5, weight decay 0.01 (none on norms / position
# convs), linear warm-up 1500 iterations then poly decay (power 1), 160k iterations,
# batch 16 (8 GPUs x 2).
_base_ = 'mmseg::_base_/schedules/schedule_160k.py'

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01,
                   fused=True),  # one kernel for all tensors (CPU and CUDA)
    paramwise_cfg=dict(custom_keys={
        'norm': dict(decay_mult=0.),
        'pos_embed': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.),
        'gamma_': dict(decay_mult=0.),
    }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=160000, by_epoch=False),
]
auto_scale_lr = dict(enable=False, base_batch_size=16)
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
