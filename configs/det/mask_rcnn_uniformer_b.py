# Mask R-CNN 1x, UniFormer-B h14 (paper: 47.4 box AP / 43.1 mask AP, 69M params).
_base_ = './mask_rcnn_uniformer_s.py'

model = dict(backbone=dict(
    variant='uniformer_b_h14', drop_path_rate=0.3, checkpoint_num=(0, 0, 20, 0),
    init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
