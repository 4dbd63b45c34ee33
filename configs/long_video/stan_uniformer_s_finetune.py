# STAN with both UniFormer-S backbones fine-tuned end to end. Each chunk of 8 clips / frames
# is recomputed in the backward pass (gradient checkpointing per chunk), so activations are
# held for one chunk at a time; BatchNorm statistics stay fixed (norm_eval: checkpointing
# runs each chunk's forward twice, and batches are a few videos). Backbones learn at a tenth
# of the transformer's rate. Memory: each clip of a chunk holds about 1 GB (fp32) in the
# backward pass, so chunk_size sets the peak: 8 -> ~9.7 GB per step, 2 -> ~3 GB (slower);
# docs/long_video.md.
_base_ = 'stan_uniformer_s_frozen.py'
model = dict(
    backbone=dict(norm_eval=True, drop_path_rate=0.1),
    image_backbone=dict(norm_eval=True, drop_path_rate=0.1),
    finetune_backbones=True)
train_dataloader = dict(batch_size=2)
base_lr = 2e-4
optim_wrapper = dict(
    optimizer=dict(lr=base_lr),
    # 'backbone' also matches 'image_backbone'
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=1e-6 / base_lr),
    _base_.param_scheduler[1],
]
auto_scale_lr = dict(base_batch_size=2)  # 1 GPU x 2 videos
