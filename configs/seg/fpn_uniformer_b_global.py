# Semantic FPN 80k, UniFormer-B global (paper: 48.0 mIoU). Also tested as w32/h32.
_base_ = './fpn_uniformer_b_h14.py'
model = dict(backbone=dict(variant='uniformer_b'))
