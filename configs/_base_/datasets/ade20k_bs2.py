# ADE20K as MMSegmentation expects it (data/ade/ADEChallengeData2016, 150 classes, label 0
# ignored, 512x512 crops, multi-scale + flip TTA ratios 0.5-1.75), 2 images per GPU.
_base_ = 'mmseg::_base_/datasets/ade20k.py'
# Every label map checked as it is loaded (values in 0..149 or 255 after reduce_zero_label),
# also under MMSegmentation's own tools; tests/test_safeguards.py checks the positions.
label_check = dict(type='CheckSegLabels', num_classes=150)
train_dataloader = dict(batch_size=2, dataset=dict(
    pipeline=_base_.train_pipeline[:2] + [label_check] + _base_.train_pipeline[2:]))
val_dataloader = dict(dataset=dict(
    pipeline=_base_.test_pipeline[:3] + [label_check] + _base_.test_pipeline[3:]))
test_dataloader = val_dataloader
