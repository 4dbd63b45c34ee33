# UperNet 160k, UniFormer-S global, ADE20K (paper: 47.6 mIoU, 48.5 MS). Also tested as w32/h32.
_base_ = [
    '../_base_/models/upernet_uniformer.py',
    '../_base_/datasets/ade20k_bs2.py',
    '../_base_/schedules/seg_upernet_160k.py',
    'mmseg::_base_/default_runtime.py',
]
model = dict(backbone=dict(variant='uniformer_s'))
