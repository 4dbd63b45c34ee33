# Something-Something V1, distributed as JPEG frames: MMAction2's layout
# data/sthv1/rawframes/<id>/00001.jpg ... with sthv1_{train,val}_list_rawframes.txt
# ("id total_frames label", 174 classes). Transforms and test views are SSv2's.
_base_ = './sthv2_video.py'

dataset_type = 'RawframeDataset'
data_root = 'data/sthv1/rawframes'
data_root_val = data_root
ann_file_train = 'data/sthv1/sthv1_train_list_rawframes.txt'
ann_file_val = 'data/sthv1/sthv1_val_list_rawframes.txt'
ann_file_test = ann_file_val
filename_tmpl = '{:05d}.jpg'

# Frames are files: nothing to open before sampling, RawFrameDecode reads the sampled ones.
decode = []


def _from_frames(transforms):
    return [dict(type='RawFrameDecode') if t['type'] == 'DecordDecode' else t
            for t in transforms]


train_transforms = _from_frames(_base_.train_transforms)
val_transforms = _from_frames(_base_.val_transforms)
test_transforms = _from_frames(_base_.test_transforms)

# MMAction2's RepeatAugDataset decodes with decord only. The authors' 2 augmented clips per
# video become RepeatDataset(times=2): every video twice per epoch, in different batches,
# so a batch holds as many clips and an epoch as many iterations as theirs. batch_size
# here counts clips (8 = 4 videos x 2), and so does auto_scale_lr.base_batch_size.
train_dataloader = dict(
    batch_size=8,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        _delete_=True, type='RepeatDataset', times=2,
        dataset=dict(type=dataset_type, ann_file=ann_file_train,
                     data_prefix=dict(img=data_root), filename_tmpl=filename_tmpl)))
val_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, ann_file=ann_file_val,
                 data_prefix=dict(img=data_root_val), filename_tmpl=filename_tmpl,
                 test_mode=True))
test_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, ann_file=ann_file_test,
                 data_prefix=dict(img=data_root_val), filename_tmpl=filename_tmpl,
                 test_mode=True))
