# UperNet 160k, UniFormer-B global, ADE20K (paper: 50.0 mIoU, 50.8 MS). Also tested as w32/h32.
_base_ = './upernet_uniformer_b_h14.py'
model = dict(backbone=dict(variant='uniformer_b'))
