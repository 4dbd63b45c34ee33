# UperNet, UniFormer-S trained global, tested hybrid window 32 (paper: 47.0 mIoU, 48.5 MS).
_base_ = './upernet_uniformer_s_global.py'
# Test-time override: the global-trained model, hybrid window-32 stage 3 in eval mode only.
model = dict(backbone=dict(test_stage3_attention='hybrid', test_window_size=32))
