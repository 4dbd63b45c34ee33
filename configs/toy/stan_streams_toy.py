# The toy STAN of the stream ablation (benchmarks/stream_ablation.py, docs/long_video.md):
# configs/toy/stan_uniformer_toy.py (random frozen backbones, one block per stage, 32 px)
# with the whole-video sampling of the shipped configs, scaled to the toys' 96-second,
# 4 fps videos (uniformer_dense.toy_data.make_toy_stream_videos): 8 clips of 4 consecutive
# frames (1 s in every 12 s) for the video backbone and 64 static frames (one every 1.5 s)
# for the image backbone. Training samples random positions inside each segment, test the
# centres; no crop or flip (a flip would reverse the motion toy's class).
# `model.fusion.streams` picks the ablation: ('static', 'temporal') (STAN), ('static',) or
# ('temporal',). data_root: one toy's directory. The base toy's schedule (AdamW lr 2e-3,
# 100 epochs, 4 of warm-up). Dropout 0.1 and stream dropout 0.5 in the
# transformer: without the latter, two-stream STAN fits the 64 training videos through
# whichever stream memorises them first and 2 of 3 training seeds stay near chance on the
# motion toy (0.56, 0.47, 0.91 top-1), against 0.94, 0.81, 0.94 with it
# (benchmarks/stream_ablation.py).
_base_ = 'stan_uniformer_toy.py'

data_root = 'data/toy/stream_toys/motion'
model = dict(fusion=dict(streams=('static', 'temporal'), dropout=0.1, stream_dropout=0.5))
sampling = dict(type='SampleLongVideo', clip_len=4, frame_interval=1, num_clips=8,
                static_frames=64)
transforms = [dict(type='DecordDecode'), dict(type='FormatShape', input_format='NCTHW'),
              _base_.pack]
train_pipeline = [dict(type='DecordInit'), sampling] + transforms
test_pipeline = [dict(type='DecordInit'), dict(sampling, test_mode=True)] + transforms
dataset = dict(type='VideoDataset', data_prefix=dict(video=data_root))
train_dataloader = dict(
    dataset=dict(_delete_=True, **dataset, ann_file=f'{data_root}/train_list.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(_delete_=True, **dataset, ann_file=f'{data_root}/val_list.txt',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
