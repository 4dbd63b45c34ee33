# UniFormer-B (head dim 64), token labeling: ImageNet-1K, 224 px (paper: 84.8 top-1, 50M params, 8.3G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_base_dim64_tl_in1k.py zoo://uniformer_base_dim64_tl_in1k
_base_ = '../_base_/cls/token_labeling.py'

model = dict(backbone=dict(arch='uniformer_base_dim64_tl', drop_path_rate=0.3))
