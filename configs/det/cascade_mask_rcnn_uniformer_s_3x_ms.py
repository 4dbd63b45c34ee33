# Cascade Mask R-CNN 3x + multi-scale, UniFormer-S h14 (paper: 52.1 box AP / 45.2 mask AP).
_base_ = [
    '../_base_/models/cascade_mask_rcnn_uniformer_fpn.py',
    '../_base_/datasets/coco_instance_ms.py',
    '../_base_/schedules/det_adamw_3x.py',
    'mmdet::_base_/default_runtime.py',
]
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
