# Something-Something V2 as MMAction2 lays it out: videos under data/sthv2/videos, lists
# sthv2_{train,val}_list_videos.txt ("id.webm label", 174 classes). Configs sample frames
# with UniformSample (one frame from each of T equal segments: the authors' SS sampling)
# and set the 174-class head themselves.
_base_ = './kinetics400_video.py'

data_root = 'data/sthv2/videos'
data_root_val = data_root
ann_file_train = 'data/sthv2/sthv2_train_list_videos.txt'
ann_file_val = 'data/sthv2/sthv2_val_list_videos.txt'
ann_file_test = ann_file_val

# Kinetics' augmentation without the flip: SS labels name directions ("pushing something
# from left to right"), and the authors train with RANDOM_FLIP False.
train_transforms = [t for t in _base_.train_transforms if t['type'] != 'Flip']
val_transforms = _base_.test_transforms  # one centre crop, to keep validation cheap
# The published test: short side 224, three 224 crops along the long side, 1 clip.
test_transforms = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_num_clips = 1  # views per video at test time: 1 clip x 3 crops

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root_val)))
