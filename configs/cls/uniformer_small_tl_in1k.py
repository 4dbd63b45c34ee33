# UniFormer-S (head dim 32), token labeling: ImageNet-1K, 224 px (paper: 83.4 top-1, 22M params, 3.6G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_small_tl_in1k.py zoo://uniformer_small_tl_in1k
_base_ = '../_base_/cls/token_labeling.py'

model = dict(backbone=dict(arch='uniformer_small_tl', drop_path_rate=0.1))
