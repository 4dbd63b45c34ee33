# UniFormer-B (head dim 32), token labeling, fine-tuned at 384 px: ImageNet-1K, 384 px (paper: 86.0 top-1, 50M params, 27.2G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_base_tl_in1k_384.py zoo://uniformer_base_tl_in1k_384
_base_ = '../_base_/cls/token_labeling_384.py'

model = dict(backbone=dict(arch='uniformer_base_tl', drop_path_rate=0.3))
# fine-tuned from the 224-px token-labeling file
load_from = 'zoo://uniformer_base_tl_in1k'
