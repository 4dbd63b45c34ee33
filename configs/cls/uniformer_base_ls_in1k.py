# UniFormer-B with layer scale: ImageNet-1K, 224 px (paper: 83.9 top-1, 50M params, 8.3G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_base_ls_in1k.py zoo://uniformer_base_ls_in1k
_base_ = '../_base_/cls/in1k.py'

model = dict(backbone=dict(arch='uniformer_base_ls_in1k', drop_path_rate=0.3))
# lr 4e-4 x batch / 512 (run.sh --lr 4e-4)
optim_wrapper = dict(optimizer=dict(lr=8e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 8e-4, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=295, eta_min=1e-5, by_epoch=True, begin=5,
         end=300),
]
