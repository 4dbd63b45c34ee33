# UperNet, UniFormer-B trained global, tested with window 32 (paper: 49.1 mIoU, 50.6 MS).
_base_ = './upernet_uniformer_b_global.py'
# Test-time override: the global-trained model, window-32 stage 3 in eval mode only.
model = dict(backbone=dict(test_stage3_attention='window', test_window_size=32))
