# UniFormer-L with layer scale, token labeling: ImageNet-1K, 224 px (paper: 85.6 top-1, 100M params, 12.6G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_large_ls_tl_in1k.py zoo://uniformer_large_ls_tl_in1k
_base_ = '../_base_/cls/token_labeling.py'

model = dict(backbone=dict(arch='uniformer_large_ls_tl', drop_path_rate=0.4))
# lr 1.2e-3 (run.sh --lr 1.2e-3)
optim_wrapper = dict(optimizer=dict(lr=1.2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 1.2e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=295, eta_min=1e-5, by_epoch=True, begin=5, end=300),
]
