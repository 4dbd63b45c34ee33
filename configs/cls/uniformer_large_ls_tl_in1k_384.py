# UniFormer-L with layer scale, token labeling, fine-tuned at 384 px: ImageNet-1K, 384 px (paper: 86.3 top-1, 100M params, 39.2G FLOPs).
# Evaluate the released file: python tools/test.py configs/cls/uniformer_large_ls_tl_in1k_384.py zoo://uniformer_large_ls_tl_in1k_384
_base_ = '../_base_/cls/token_labeling_384.py'

model = dict(backbone=dict(arch='uniformer_large_ls_tl', drop_path_rate=0.3))
# fine-tuned from the 224-px token-labeling file
load_from = 'zoo://uniformer_large_ls_tl_in1k'
# batch 32 x 8 GPUs (run.sh)
train_dataloader = dict(batch_size=32)
val_dataloader = dict(batch_size=32)
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=256)
