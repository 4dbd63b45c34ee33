# An ImageNet classifier of the family in MMPretrain: ImageClassifier whose backbone is the whole
# UniFormerClassifier, heads included (the authors' parameter names, so their files load as
# zoo://NAME with no renaming), and UniFormerClsHead for the loss and the prediction (no
# parameters): plain models one cross-entropy, token-labeling models + the per-token head's,
# light models 0.5 x pooled head + 0.5 x class-token head.
custom_imports = dict(imports=['uniformer_dense'], allow_failed_imports=False)
# The package's safeguards, also under MMPretrain's own tools/train.py.
custom_hooks = [dict(type='NonFiniteLossHook'), dict(type='RandomStateHook')]

model = dict(
    type='ImageClassifier',
    backbone=dict(type='UniFormerClassifier', arch='uniformer_small_in1k', num_classes=1000,
                  drop_path_rate=0.1),
    neck=None,
    head=dict(type='UniFormerClsHead',
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
              topk=(1, 5)),
    # Mixup 0.8 / CutMix 1.0, one of the two per batch (the authors' timm Mixup, switch 0.5)
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))
