# ADE20K as in ade20k_bs2.py, 4 images per GPU (the authors' Semantic FPN batch).
_base_ = 'mmseg::_base_/datasets/ade20k.py'
train_dataloader = dict(batch_size=4)
