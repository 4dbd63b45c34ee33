# Multi-label long-video classification (e.g. 4 genres, any number per video): lines
# "<id>.mp4 L1 L2 ...", per-class sigmoid scores, binary cross-entropy, mean average precision.
# Otherwise stan_uniformer_s_frozen.py. (LVU's own genre task is single-label top-1:
# lvu/stan_uniformer_s_frozen_genre.py.)
_base_ = 'stan_uniformer_s_frozen.py'
task = 'genre'
num_classes = 4
model = dict(cls_head=dict(num_classes=num_classes, multi_class=True,
                           loss_cls=dict(type='BCELossWithLogits')))
labels = dict(multi_class=True, num_classes=num_classes)
train_dataloader = dict(dataset=dict(labels, ann_file=f'data/lvu/lists/{task}_train.txt'))
val_dataloader = dict(dataset=dict(labels, ann_file=f'data/lvu/lists/{task}_val.txt'))
test_dataloader = dict(dataset=dict(labels, ann_file=f'data/lvu/lists/{task}_test.txt'))
val_evaluator = dict(type='AccMetric', metric_list=('mean_average_precision',))
test_evaluator = val_evaluator
