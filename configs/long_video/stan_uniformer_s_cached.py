# The frozen STAN trained on cached backbone features: extract them once with
#   python tools/extract_features.py configs/long_video/stan_uniformer_s_frozen.py \
#       --out-dir data/lvu/features [--views 4]
# (--views K: K augmented views per training video; FeatureViewSampler below gives one per
# epoch, the same on a resumed run; without it every epoch sees the one test view)
# (the same lists; videos/a.mp4 -> data/lvu/features/a.mp4.pt), then train here. An epoch
# reads small tensor files instead of decoding and running two backbones over every video:
# the same model (the backbones are still in it, unused here, and saved with it), so the
# checkpoint runs on videos with stan_uniformer_s_frozen.py.
_base_ = 'stan_uniformer_s_frozen.py'
feature_dir = 'data/lvu/features'
features = [dict(type='LoadSTANFeatures'), dict(type='PackSTANFeatures')]
cached = dict(type='STANFeatureDataset', data_prefix=dict(video=feature_dir),
              pipeline=features)
# Stops the run if this model's backbones are not the ones the features came from.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook'),
                dict(type='STANFeatureCheckHook', feature_dir=feature_dir)]
train_dataloader = dict(batch_size=16, num_workers=2,
                        sampler=dict(type='FeatureViewSampler', shuffle=True),
                        dataset=dict(cached, ann_file=_base_.ann_file_train))
val_dataloader = dict(batch_size=16, num_workers=2,
                      dataset=dict(cached, ann_file=_base_.ann_file_val, test_mode=True))
test_dataloader = dict(num_workers=2,
                       dataset=dict(cached, ann_file=_base_.ann_file_test, test_mode=True))
base_lr = 1e-3
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
    _base_.param_scheduler[1],
]
auto_scale_lr = dict(base_batch_size=16)
