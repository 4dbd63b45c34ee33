# UperNet, UniFormer-S trained global, tested with window 32 (paper: 46.6 mIoU, 48.4 MS).
_base_ = './upernet_uniformer_s_global.py'
# Test-time override: the global-trained model, window-32 stage 3 in eval mode only.
model = dict(backbone=dict(test_stage3_attention='window', test_window_size=32))
