# LVU "view_count" (regression: log(view count); mean squared error as LVU reports it): STAN with
# frozen UniFormer-S backbones (../stan_uniformer_s_frozen.py), one output, MSE loss. Lists
# ("<id>.mp4 VALUE") from LVU's CSVs:
#   python tools/prepare_lvu.py   (defaults: --lvu-root data/lvu_1.0 --videos data/lvu/videos
#                                  --out data/lvu/lists)
_base_ = '../stan_uniformer_s_frozen.py'
task = 'view_count'
model = dict(cls_head=dict(_delete_=True, type='STANRegressionHead', in_channels=512,
                           dropout_ratio=0.5))
regression = dict(type='VideoRegressionDataset')
train_dataloader = dict(dataset=dict(regression, ann_file=f'data/lvu/lists/{task}_train.txt'))
val_dataloader = dict(dataset=dict(regression, ann_file=f'data/lvu/lists/{task}_val.txt'))
test_dataloader = dict(dataset=dict(regression, ann_file=f'data/lvu/lists/{task}_test.txt'))
val_evaluator = dict(_delete_=True, type='RegressionMetric')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='regression/mse', rule='less'))
