# UniFormer-XS at 224 px: ImageNet-1K, 224 px (paper: 82.0 top-1, 16.5M params, 2.0G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_xs_in1k.py zoo://uniformer_xs_in1k
_base_ = '../_base_/cls/light.py'

model = dict(backbone=dict(arch='uniformer_xs_in1k', drop_path_rate=0.1))
