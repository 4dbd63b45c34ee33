# Cascade Mask R-CNN + FPN with a UniFormer backbone and the authors' box heads
# (4 shared convs + 1 fc, GIoU loss, synchronised BatchNorm), as in their 3x configs.
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'
custom_imports = dict(imports=['uniformer_dense'], allow_failed_imports=False)
# The package's safeguards, also under the toolboxes' own tools/train.py: stop at the first
# non-finite loss before anything is saved; random states saved for an exact --resume.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]


def _box_head(stds):
    return dict(
        type='ConvFCBBoxHead',
        num_shared_convs=4,
        num_shared_fcs=1,
        in_channels=256,
        conv_out_channels=256,
        fc_out_channels=1024,
        roi_feat_size=7,
        num_classes=80,
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                        target_stds=stds),
        reg_class_agnostic=False,
        reg_decoded_bbox=True,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=10.0))


model = dict(
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        variant='uniformer_s_h14',
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        checkpoint_num=(0, 0, 8, 0),
        init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k')),
    neck=dict(in_channels=[64, 128, 320, 512]),
    roi_head=dict(bbox_head=[
        _box_head([0.1, 0.1, 0.2, 0.2]),
        _box_head([0.05, 0.05, 0.1, 0.1]),
        _box_head([0.033, 0.033, 0.067, 0.067]),
    ]))
del _box_head
