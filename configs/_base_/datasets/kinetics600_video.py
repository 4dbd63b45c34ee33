# Kinetics-600 as MMAction2 lays it out (data/kinetics600/videos_{train,val} and
# kinetics600_{train,val}_list_videos.txt, alphabetical class order); the transforms, the
# repeated augmentation and the test views (4 clips x 1 crop) are Kinetics-400's. Configs
# set the 600-class head (cls_head and the mixup/cutmix num_classes) themselves.
_base_ = './kinetics400_video.py'

data_root = 'data/kinetics600/videos_train'
data_root_val = 'data/kinetics600/videos_val'
ann_file_train = 'data/kinetics600/kinetics600_train_list_videos.txt'
ann_file_val = 'data/kinetics600/kinetics600_val_list_videos.txt'
ann_file_test = ann_file_val

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root_val)))
