# Semantic FPN 80k, UniFormer-S global (paper: 46.6 mIoU). Also tested as w32/h32.
_base_ = [
    '../_base_/models/fpn_uniformer.py',
    '../_base_/datasets/ade20k_bs4.py',
    '../_base_/schedules/seg_fpn_80k.py',
    'mmseg::_base_/default_runtime.py',
]
model = dict(backbone=dict(variant='uniformer_s'))
