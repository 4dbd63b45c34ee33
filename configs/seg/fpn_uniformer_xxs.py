# Semantic FPN 80k, UniFormer-XXS (light), ADE20K (paper: 42.3 mIoU; 13.5M params).
_base_ = [
    '../_base_/models/fpn_uniformer.py',
    '../_base_/datasets/ade20k_bs4.py',
    '../_base_/schedules/seg_fpn_80k.py',
    'mmseg::_base_/default_runtime.py',
]
model = dict(
    backbone=dict(variant='uniformer_xxs', drop_path_rate=0.,
                  init_cfg=dict(checkpoint='zoo://uniformer_xxs_in1k')),
    neck=dict(in_channels=[56, 112, 224, 448]))
