# UperNet, UniFormer-B trained global, tested hybrid window 32 (paper: 49.5 mIoU, 50.7 MS).
_base_ = './upernet_uniformer_b_global.py'
# Test-time override: the global-trained model, hybrid window-32 stage 3 in eval mode only.
model = dict(backbone=dict(test_stage3_attention='hybrid', test_window_size=32))
