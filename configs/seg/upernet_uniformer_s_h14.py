# UperNet 160k, UniFormer-S h14, ADE20K (paper: 46.9 mIoU, 48.0 MS; 52M params).
_base_ = [
    '../_base_/models/upernet_uniformer.py',
    '../_base_/datasets/ade20k_bs2.py',
    '../_base_/schedules/seg_upernet_160k.py',
    'mmseg::_base_/default_runtime.py',
]

