# UperNet 160k, UniFormer-B h14, ADE20K (paper: 48.9 mIoU, 50.0 MS; 80M params).
_base_ = [
    '../_base_/models/upernet_uniformer.py',
    '../_base_/datasets/ade20k_bs2.py',
    '../_base_/schedules/seg_upernet_160k.py',
    'mmseg::_base_/default_runtime.py',
]
model = dict(backbone=dict(
    variant='uniformer_b_h14', drop_path_rate=0.4, checkpoint_num=(0, 0, 2, 0),
    init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
