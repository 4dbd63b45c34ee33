# Mask R-CNN 3x + multi-scale, UniFormer-S h14 (paper: 48.2 box AP / 43.4 mask AP).
_base_ = [
    '../_base_/models/mask_rcnn_uniformer_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/det_adamw_3x.py',
    'mmdet::_base_/default_runtime.py',
]
model = dict(backbone=dict(drop_path_rate=0.1))
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
