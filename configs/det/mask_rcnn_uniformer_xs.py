# Mask R-CNN 1x, UniFormer-XS (light; paper: 44.6 box AP / 40.9 mask AP, 35.6M params).
_base_ = './mask_rcnn_uniformer_s.py'

model = dict(
    backbone=dict(variant='uniformer_xs', drop_path_rate=0.15, checkpoint_num=None,
                  init_cfg=dict(checkpoint='zoo://uniformer_xs_in1k')),
    neck=dict(in_channels=[64, 128, 256, 512]))
