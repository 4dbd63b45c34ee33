# Semantic FPN, UniFormer-B trained global, tested with window 32 (paper: 47.0 mIoU).
_base_ = './fpn_uniformer_b_global.py'
# Test-time override: the global-trained model, window-32 stage 3 in eval mode only.
model = dict(backbone=dict(test_stage3_attention='window', test_window_size=32))
