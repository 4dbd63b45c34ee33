# The authors' detection optimiser: AdamW lr 1e-4, wd 0.05, no decay on norms or the
# depthwise position convolutions; 12 epochs, steps at 8 and 11; batch 16 (8 GPUs x 2).
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05,
                   fused=True),  # one kernel for all tensors (CPU and CUDA)
    paramwise_cfg=dict(custom_keys={
        'norm': dict(decay_mult=0.),
        'pos_embed': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.),
        'gamma_': dict(decay_mult=0.),
    }))
auto_scale_lr = dict(enable=False, base_batch_size=16)
