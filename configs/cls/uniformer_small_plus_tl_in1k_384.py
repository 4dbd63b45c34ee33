# UniFormer-S†, token labeling, fine-tuned at 384 px: ImageNet-1K, 384 px (paper: 84.9 top-1, 24M params, 13.7G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_small_plus_tl_in1k_384.py zoo://uniformer_small_plus_tl_in1k_384
_base_ = '../_base_/cls/token_labeling_384.py'

model = dict(backbone=dict(arch='uniformer_small_plus_tl', drop_path_rate=0.1))
# fine-tuned from the 224-px token-labeling file
load_from = 'zoo://uniformer_small_plus_tl_in1k'
