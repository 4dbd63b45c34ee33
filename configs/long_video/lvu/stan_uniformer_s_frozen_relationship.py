# LVU "relationship" (relationship of the characters; 4 classes, top-1 accuracy as LVU reports
# it): STAN with frozen UniFormer-S backbones (../stan_uniformer_s_frozen.py). Lists from LVU's
# CSVs:
#   python tools/prepare_lvu.py   (defaults: --lvu-root data/lvu_1.0 --videos data/lvu/videos
#                                  --out data/lvu/lists)
_base_ = '../stan_uniformer_s_frozen.py'
task = 'relationship'
num_classes = 4
model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(ann_file=f'data/lvu/lists/{task}_train.txt'))
val_dataloader = dict(dataset=dict(ann_file=f'data/lvu/lists/{task}_val.txt'))
test_dataloader = dict(dataset=dict(ann_file=f'data/lvu/lists/{task}_test.txt'))
