# Semantic FPN 80k, UniFormer-S h14, ADE20K (paper: 46.3 mIoU; 25M params).
_base_ = [
    '../_base_/models/fpn_uniformer.py',
    '../_base_/datasets/ade20k_bs4.py',
    '../_base_/schedules/seg_fpn_80k.py',
    'mmseg::_base_/default_runtime.py',
]

