# UniFormer-B, 448x320 (paper: 77.4 AP): the S 448x320 recipe with lr 5e-4, batch 32 per GPU.
_base_ = './topdown_heatmap_uniformer_s_448x320.py'
model = dict(backbone=dict(variant='uniformer_b', drop_path_rate=0.55,
                           init_cfg=dict(checkpoint='zoo://uniformer_base_in1k')))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
auto_scale_lr = dict(base_batch_size=256)
train_dataloader = dict(batch_size=32)
