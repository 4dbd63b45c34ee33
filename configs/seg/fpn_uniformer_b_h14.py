# Semantic FPN 80k, UniFormer-B h14, ADE20K (paper: 47.0 mIoU; 54M params).
_base_ = [
    '../_base_/models/fpn_uniformer.py',
    '../_base_/datasets/ade20k_bs4.py',
    '../_base_/schedules/seg_fpn_80k.py',
    'mmseg::_base_/default_runtime.py',
]
model = dict(backbone=dict(
    variant='uniformer_b_h14', drop_path_rate=0.2,
    init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
