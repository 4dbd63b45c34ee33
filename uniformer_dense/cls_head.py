"""MMPretrain's side of the classifiers: ``UniFormerClsHead``, the loss and prediction of an
``ImageClassifier`` whose backbone is :class:`~uniformer_dense.models.UniFormerClassifier`.

The classifier keeps the authors' heads (so their files load with no renaming) and returns,
in eval mode, the authors' prediction, and in training mode what the loss needs: the class
logits; for token-labeling models also the per-token logits ``(B, N, classes)``; for the light
models also the class-token head's logits. This head holds no parameters: it turns those
into MMPretrain's losses and predictions.

Losses, as released: light models ``0.5 x loss(pooled head) + 0.5 x loss(class-token head)``
(the authors' ``engine_light.py``); token-labeling models ``loss(class head) + aux_weight x
loss(every token's logits, the image's target)``, ``aux_weight`` 1.0 (``--dense-weight`` of the
authors' ``token_labeling/main.py``; LV-ViT's own default is 0.5). With dense label maps (token labeling
proper, LV-ViT's per-token targets) the per-token term compares against those instead; here
each token's target is the image's, as token labeling is without a map.

Imports MMPretrain: :func:`uniformer_dense.registry.register_all` imports this module only
where MMPretrain is installed.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

Outputs = Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]


class UniFormerClsHead(ClsHead):
    """Loss and prediction of :class:`~uniformer_dense.models.UniFormerClassifier`.

    Args:
        aux_weight: weight of the per-token loss of token-labeling models (the authors'
            ``--dense-weight``, 1.0).
        light_weights: weights of the pooled head's and the class-token head's losses of
            the light models (0.5, 0.5 as released).
        **kwargs: :class:`mmpretrain.models.heads.ClsHead` arguments (``loss``, ``topk``,
            ``cal_acc``).
    """

    def __init__(self, aux_weight: float = 1.0,
                 light_weights: Sequence[float] = (0.5, 0.5), **kwargs):
        super().__init__(**kwargs)
        self.aux_weight = aux_weight
        self.light_weights = tuple(light_weights)

    @staticmethod
    def _outputs(feats) -> Outputs:
        """The classifier's output (``ImageClassifier`` hands the backbone's on as is)."""
        return feats[0] if isinstance(feats, list) else feats

    def pre_logits(self, feats):
        return self._outputs(feats)

    def forward(self, feats) -> torch.Tensor:
        """The class scores: the eval prediction, or in training the class head's logits."""
        out = self._outputs(feats)
        return out[0] if isinstance(out, tuple) else out

    def loss(self, feats, data_samples: List[DataSample], **kwargs) -> dict:
        out = self._outputs(feats)
        if 'gt_score' in data_samples[0]:  # Mixup / CutMix give soft targets
            target = torch.stack([s.gt_score for s in data_samples])
        else:
            target = torch.cat([s.gt_label for s in data_samples])
        if not isinstance(out, tuple):
            return super()._get_loss(out, data_samples, **kwargs)
        logits, second = out
        n = logits.size(0)
        losses = {}
        if second.dim() == 3:  # token labeling: (B, N, classes) per-token logits
            tokens = second.shape[1]
            token_target = target.repeat_interleave(tokens, 0)
            losses['loss_cls'] = self.loss_module(logits, target, avg_factor=n, **kwargs)
            losses['loss_aux'] = self.aux_weight * self.loss_module(
                second.flatten(0, 1), token_target, avg_factor=n * tokens, **kwargs)
        else:  # light: the pooled head and the class-token head
            w_avg, w_cls = self.light_weights
            losses['loss_avg'] = w_avg * self.loss_module(logits, target, avg_factor=n, **kwargs)
            losses['loss_cls'] = w_cls * self.loss_module(second, target, avg_factor=n, **kwargs)
        return losses


def register_cls_head() -> None:
    """Register :class:`UniFormerClsHead` in MMPretrain's MODELS (idempotent)."""
    if MODELS.module_dict.get('UniFormerClsHead') is not UniFormerClsHead:
        MODELS.register_module(name='UniFormerClsHead', module=UniFormerClsHead, force=True)
