# UniFormer-S, 256x192 (paper: 74.0 AP). Weights: the OpenMMLab pose project's release.
_base_ = '../_base_/models/topdown_heatmap_uniformer.py'
