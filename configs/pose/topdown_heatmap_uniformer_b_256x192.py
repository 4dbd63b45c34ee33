# UniFormer-B, 256x192 (paper: 75.0 AP).
_base_ = '../_base_/models/topdown_heatmap_uniformer.py'
model = dict(backbone=dict(variant='uniformer_b', drop_path_rate=0.4,
                           init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
