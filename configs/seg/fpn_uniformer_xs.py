# Semantic FPN 80k, UniFormer-XS (light), ADE20K (paper: 44.4 mIoU; 19.7M params).
_base_ = [
    '../_base_/models/fpn_uniformer.py',
    '../_base_/datasets/ade20k_bs4.py',
    '../_base_/schedules/seg_fpn_80k.py',
    'mmseg::_base_/default_runtime.py',
]
model = dict(
    backbone=dict(variant='uniformer_xs', drop_path_rate=0.1,
                  init_cfg=dict(checkpoint='zoo://uniformer_xs_in1k')),
    neck=dict(in_channels=[64, 128, 256, 512]))
