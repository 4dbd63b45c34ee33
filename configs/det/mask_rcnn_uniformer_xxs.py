# Mask R-CNN 1x, UniFormer-XXS (light; paper: 42.8 box AP / 39.2 mask AP, 29.4M params).
_base_ = './mask_rcnn_uniformer_s.py'

model = dict(
    backbone=dict(variant='uniformer_xxs', drop_path_rate=0., checkpoint_num=None,
                  init_cfg=dict(checkpoint='zoo://uniformer_xxs_in1k')),
    neck=dict(in_channels=[56, 112, 224, 448]))
