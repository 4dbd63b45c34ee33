# UniFormer-S† with head dim 64: ImageNet-1K, 224 px (paper: 83.4 top-1, 24M params, 4.2G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_small_plus_dim64_in1k.py zoo://uniformer_small_plus_dim64_in1k
_base_ = '../_base_/cls/in1k.py'

model = dict(backbone=dict(arch='uniformer_small_plus_dim64_in1k', drop_path_rate=0.1))
