# Cascade Mask R-CNN 3x + multi-scale, UniFormer-B h14 (paper: 53.8 box AP / 46.4 mask AP).
_base_ = './cascade_mask_rcnn_uniformer_s_3x_ms.py'

model = dict(backbone=dict(
    variant='uniformer_b_h14', drop_path_rate=0.4, checkpoint_num=(0, 0, 20, 0),
    init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
