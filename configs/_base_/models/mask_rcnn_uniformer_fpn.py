# Mask R-CNN + FPN with a UniFormer backbone: MMDetection's own model, backbone swapped.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['uniformer_dense'], allow_failed_imports=False)
# The package's safeguards, also under the toolboxes' own tools/train.py: stop at the first
# non-finite loss before anything is saved; random states saved for an exact --resume.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]

model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        variant='uniformer_s_h14',
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        # the authors checkpoint every stage-3 block to fit batch 2 per GPU
        checkpoint_num=(0, 0, 8, 0),
        init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k')),
    neck=dict(in_channels=[64, 128, 320, 512]))
