# Mask R-CNN 1x, UniFormer-S h14 (paper: 45.6 box AP / 41.6 mask AP, 41M params).
_base_ = [
    '../_base_/models/mask_rcnn_uniformer_fpn.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/det_adamw_1x.py',
    'mmdet::_base_/default_runtime.py',
]
# Checkpoints written to a temporary file and renamed: an interrupted save loses nothing.
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
