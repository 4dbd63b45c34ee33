# ADE20K as in ade20k_bs2.py (label checks included), 4 images per GPU (the authors' Semantic
# FPN batch).
_base_ = './ade20k_bs2.py'
train_dataloader = dict(batch_size=4)
