# UperNet + auxiliary FCN head with a UniFormer backbone: MMSegmentation's own model.
_base_ = 'mmseg::_base_/models/upernet_r50.py'
custom_imports = dict(imports=['uniformer_dense'], allow_failed_imports=False)
# The package's safeguards, also under the toolboxes' own tools/train.py: stop at the first
# non-finite loss before anything is saved; random states saved for an exact --resume.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]


model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(512, 512)),  # the ADE20K crop
    backbone=dict(
        _delete_=True,
        type='UniFormer',
        variant='uniformer_s_h14',
        drop_path_rate=0.25,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k')),
    decode_head=dict(in_channels=[64, 128, 320, 512], num_classes=150),
    auxiliary_head=dict(in_channels=320, num_classes=150),
    test_cfg=dict(mode='whole'))
