# ADE20K as MMSegmentation expects it (data/ade/ADEChallengeData2016, 150 classes, label 0
# ignored, 512x512 crops, multi-scale + flip TTA ratios 0.5-1.75), 2 images per GPU.
_base_ = 'mmseg::_base_/datasets/ade20k.py'
train_dataloader = dict(batch_size=2)
