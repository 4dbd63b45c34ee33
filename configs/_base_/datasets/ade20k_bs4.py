# ADE20K as in ade20k_bs2.py, 4 images per GPU (the authors' Semantic FPN batch).
_base_ = 'mmseg::_base_/datasets/ade20k.py'
# Every label map checked as it is loaded (values in 0..149 or 255 after reduce_zero_label),
# also under MMSegmentation's own tools; tests/test_safeguards.py checks the positions.
label_check = dict(type='CheckSegLabels', num_classes=150)
train_dataloader = dict(batch_size=4, dataset=dict(
    pipeline=_base_.train_pipeline[:2] + [label_check] + _base_.train_pipeline[2:]))
val_dataloader = dict(dataset=dict(
    pipeline=_base_.test_pipeline[:3] + [label_check] + _base_.test_pipeline[3:]))
test_dataloader = val_dataloader
