# UniFormer-S: ImageNet-1K, 224 px (paper: 82.9 top-1, 22M params, 3.6G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_small_in1k.py zoo://uniformer_small_in1k
_base_ = '../_base_/cls/in1k.py'

model = dict(backbone=dict(arch='uniformer_small_in1k', drop_path_rate=0.1))
