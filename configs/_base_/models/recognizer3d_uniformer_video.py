# MMAction2's Recognizer3D with the video UniFormer (this package's 'UniFormerVideo'; the name
# 'UniFormer' in MMAction2 is its own port) and an I3D-style head: average pooling over
# T x H x W, then one linear classifier, as in the authors' network.
custom_imports = dict(imports=['uniformer_dense'], allow_failed_imports=False)
# The package's safeguards, also under the toolboxes' own tools/train.py: stop at the first
# non-finite loss before anything is saved; random states saved for an exact --resume.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]
num_classes = 400
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='UniFormerVideo',
        variant='uniformer_video_s',
        drop_path_rate=0.1,
        # ImageNet-1K weights, inflated on load the authors' way (average over time).
        init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k')),
    cls_head=dict(
        type='I3DHead',
        in_channels=512,
        num_classes=num_classes,
        spatial_type='avg',
        # The authors' yamls list MODEL.DROPOUT_RATE 0.5, but their network never reads it:
        # no dropout before the head in the released models.
        dropout_ratio=0.,
        label_smooth_eps=0.1,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        # DATA.MEAN 0.45 / DATA.STD 0.225 of the authors' recipes, on the 0-255 scale.
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW',
        # Mixup (alpha 0.8) or CutMix (alpha 1.0), one of the two per batch.
        blending=dict(
            type='RandomBatchAugment',
            augments=[dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
                      dict(type='CutmixBlending', alpha=1., num_classes=num_classes)])))
