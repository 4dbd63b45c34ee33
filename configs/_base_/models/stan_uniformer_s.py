# STAN over UniFormer-S features (this package's design; docs/long_video.md):
# the video UniFormer-S (Kinetics-400 16x4) on M clips spread over the video, the image
# UniFormer-S (ImageNet-1K) on 2 frames of each clip, a 2-layer two-stream transformer over
# both token sequences, a linear head on its class token. Backbones frozen by default.
custom_imports = dict(
    imports=['uniformer_dense', 'uniformer_dense.models.stan', 'uniformer_dense.long_video'],
    allow_failed_imports=False)
# The package's safeguards, also under the toolboxes' own tools/train.py: stop at the first
# non-finite loss before anything is saved; random states saved for an exact --resume.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]
num_classes = 6
model = dict(
    type='STAN',
    # temporal stream: one vector per clip (pooled over the map after the final BatchNorm)
    backbone=dict(
        type='UniFormerVideo',
        variant='uniformer_video_s',
        init_cfg=dict(type='Pretrained', prefix='backbone.',
                      checkpoint='zoo://uniformer_video_s_16x4_k400_mmaction2')),
    # static stream: one vector per frame (pooled over stage 4 after its LayerNorm)
    image_backbone=dict(
        type='UniFormerImage',
        variant='uniformer_s',
        out_indices=(3,),
        init_cfg=dict(type='Pretrained', checkpoint='zoo://uniformer_small_in1k')),
    # used only when the sampler takes no static frames of its own (static_frames=0): the
    # shipped lists (_base_/datasets/long_video_list.py) take 64 over the whole video
    static_frames_per_clip=2,
    finetune_backbones=False,
    chunk_size=8,
    # The image backbone was trained with ImageNet's normalisation, the video one with the
    # authors' 0.45 / 0.225: frames are re-normalised for the static stream.
    image_mean=[123.675, 116.28, 103.53],
    image_std=[58.395, 57.12, 57.375],
    # time codes: half the fraction of the video, half the seconds / 300 (one scale for the
    # 1-3 minute videos of LVU); needs frame_seconds in the samples' metainfo
    fusion=dict(embed_dim=512, depth=2, num_heads=8, mlp_ratio=4., dropout=0.1,
                seconds_horizon=300.),
    cls_head=dict(type='STANHead', in_channels=512, num_classes=num_classes,
                  dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(
        type='STANDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'))
