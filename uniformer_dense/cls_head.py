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
authors' ``token_labeling/main.py``; LV-ViT's own default is 0.5). With dense label maps
(token labeling proper: ``TokenLabelTarget`` in the pipeline) the per-token term compares
each token with the teacher's scores of its cell, the class head with the teacher's scores of
the crop; without maps every token's target is the image's. Under MixToken the class head's
target is mixed by the share of swapped tokens (:mod:`uniformer_dense.token_labeling`).

Imports MMPretrain: :func:`uniformer_dense.registry.register_all` imports this module only
where MMPretrain is installed.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .token_labeling import mix_targets, soft_targets

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
        logits, second = out[:2]
        n = logits.size(0)
        losses = {}
        if second.dim() == 3:  # token labeling: (B, N, classes) per-token logits
            cls_target, token_target = self._token_label_targets(
                second, target, data_samples, lam=out[2] if len(out) == 3 else 1.)
            losses['loss_cls'] = self.loss_module(logits, cls_target, avg_factor=n, **kwargs)
            losses['loss_aux'] = self.aux_weight * self.loss_module(
                second.flatten(0, 1), token_target, avg_factor=token_target.shape[0], **kwargs)
        else:  # light: the pooled head and the class-token head
            w_avg, w_cls = self.light_weights
            losses['loss_avg'] = w_avg * self.loss_module(logits, target, avg_factor=n, **kwargs)
            losses['loss_cls'] = w_cls * self.loss_module(second, target, avg_factor=n, **kwargs)
        return losses

    @staticmethod
    def _token_label_targets(aux: torch.Tensor, target: torch.Tensor,
                             data_samples: List[DataSample], lam: float):
        """(class-head target, per-token targets ``(B * N, C)``) of a token-labeling batch.

        With dense label maps (``gt_token_score`` / ``gt_crop_score`` from
        :class:`~uniformer_dense.cls_transforms.TokenLabelTarget`): the teacher's scores of
        the crop for the class head and of each token's cell for the tokens, as the
        authors' loss takes them (their ``--ground-truth`` is off). Without: the image's
        label for both. Under MixToken (``lam < 1``) the class-head target is mixed with
        the batch-reversed sample's; the per-token outputs were already swapped back."""
        B, N, C = aux.shape
        if 'gt_token_score' in data_samples[0] and 'gt_score' in data_samples[0]:
            raise ValueError(
                'Mixup / CutMix (model.train_cfg.augments) with token labels: the batch '
                'augments mix the image targets but not the per-token ones. Token labeling '
                'mixes with MixToken (model.backbone.mix_token=True); remove the augments.')
        if 'gt_token_score' in data_samples[0]:
            tokens = torch.stack([s.gt_token_score for s in data_samples]).to(aux.device)
            if tokens.shape[1:] != (N, C):
                raise ValueError(
                    f'token labels of shape {tuple(tokens.shape[1:])} (tokens, classes) for a '
                    f'classifier with {N} tokens and {C} classes: TokenLabelTarget\'s stride '
                    f'must be the classifier\'s (32) and its num_classes the classifier\'s.')
            cls_target = torch.stack([s.gt_crop_score for s in data_samples]).to(aux.device)
            token_target = tokens.flatten(0, 1)
        else:
            cls_target = target
            token_target = target.repeat_interleave(N, 0)
        if lam < 1.:
            cls_target = mix_targets(soft_targets(cls_target, C), lam)
        return cls_target, token_target


def register_cls_head() -> None:
    """Register :class:`UniFormerClsHead` in MMPretrain's MODELS (idempotent)."""
    if MODELS.module_dict.get('UniFormerClsHead') is not UniFormerClsHead:
        MODELS.register_module(name='UniFormerClsHead', module=UniFormerClsHead, force=True)
