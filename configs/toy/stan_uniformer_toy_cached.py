# The toy STAN trained on cached features (configs/long_video/stan_uniformer_s_cached.py's
# regime). Its backbones are random, so extraction and training must start from the same
# saved initial model (STANFeatureCheckHook stops the run otherwise):
#   python tools/extract_features.py configs/toy/stan_uniformer_toy.py INIT.pth \
#       --out-dir data/toy/long_video/features
#   python tools/train.py configs/toy/stan_uniformer_toy_cached.py --cfg-options load_from=INIT.pth
_base_ = 'stan_uniformer_toy.py'
feature_dir = 'data/toy/long_video/features'
cached = dict(_delete_=True, type='STANFeatureDataset', data_prefix=dict(video=feature_dir),
              pipeline=[dict(type='LoadSTANFeatures'), dict(type='PackSTANFeatures')])
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook'),
                dict(type='STANFeatureCheckHook', feature_dir=feature_dir)]
train_dataloader = dict(
    batch_size=8, dataset=dict(cached, ann_file=f'{_base_.data_root}/train_list.txt'))
val_dataloader = dict(
    batch_size=8, dataset=dict(cached, ann_file=f'{_base_.data_root}/val_list.txt',
                               test_mode=True))
test_dataloader = val_dataloader
