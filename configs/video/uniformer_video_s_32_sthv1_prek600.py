# UniFormer-S, Something-Something V1, 32 frames, started from the Kinetics-600 16x4 model:
# paper 59.9 top-1 with 1 clip x 3 crops. The recipe of the Kinetics-400 start
# (uniformer_video_s_32_sthv1.py), with drop path 0.3 instead of 0.2.
_base_ = './uniformer_video_s_32_sthv1.py'
model = dict(
    backbone=dict(
        drop_path_rate=0.3,
        # The authors' K600 file: its keys have no 'backbone.' prefix, and the loader drops
        # its 600-class head.
        init_cfg=dict(checkpoint='zoo://uniformer_video_s_16x4_k600', prefix=None)))
