"""The authors' ImageNet classifiers, built from the backbone's stages and blocks.

A classifier is a :class:`~uniformer_dense.models.uniformer.UniFormer` whose stage-4 map
leaves through one BatchNorm ``norm`` (not the backbone's four LayerNorms ``norm1..4``), then
a head: the mean over positions into ``head``; token-labeling models add ``aux_head`` on every
token; the light models add their class token's ``norm_cls`` and ``head_cls``. Parameter names
and order are those of the authors' release (``image_classification/models/uniformer.py``,
``.../uniformer_light.py``, ``token_labeling/tlt/models/uniformer.py``), so their ImageNet files
load with no renaming; unlike their patch embedding, any input size works.

What ``forward`` returns follows the authors' code:

==========================  ==========================  =====================================
kind                        eval mode                   training mode
==========================  ==========================  =====================================
plain (``*_in1k``)          ``head(mean)``              ``head(mean)``
token labeling (``*_tl``)   ``head(mean) + 0.5 x max``  ``(head(mean), aux_head(tokens))``;
                            over tokens of aux_head     with ``mix_token``: ``(..., lam)``
light (XXS, XS)             ``head(mean)``              ``(head(mean), head_cls(norm_cls(cls)))``
==========================  ==========================  =====================================

``mix_token=True`` (token-labeling training, the authors' default there) applies MixToken in
training: a box of the stem's output is taken from the batch in reverse order, the per-token
logits of the box are swapped back at the last stage (each token then meets its own image's
target) and ``lam``, the share of tokens outside the box, mixes the class head's target
(:mod:`uniformer_dense.token_labeling`).
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn as nn

from ..errors import ConfigError
from ..token_labeling import mix_in_box, mix_token_box, mixed_share, stage_box
from .fast_paths import channels_first
from .uniformer import ARCH_SETTINGS, VARIANT_ALIASES, UniFormer

# The authors' 14 classification networks: name -> (backbone row, token labeling). The light
# kind follows from the row. Token-labeling 'small' and 'base' use head dim 32 ('_dim64' 64);
# the plain ones 64, except S-plus (32; '_dim64' 64).
CLASSIFIERS = {
    'uniformer_small_in1k': ('uniformer_s', False),
    'uniformer_small_plus_in1k': ('uniformer_s_plus', False),
    'uniformer_small_plus_dim64_in1k': ('uniformer_s_plus_dim64', False),
    'uniformer_base_in1k': ('uniformer_b', False),
    'uniformer_base_ls_in1k': ('uniformer_b_ls', False),
    'uniformer_small_tl': ('uniformer_s_dim32', True),
    'uniformer_small_dim64_tl': ('uniformer_s', True),
    'uniformer_small_plus_tl': ('uniformer_s_plus', True),
    'uniformer_small_plus_dim64_tl': ('uniformer_s_plus_dim64', True),
    'uniformer_base_tl': ('uniformer_b_dim32', True),
    'uniformer_base_dim64_tl': ('uniformer_b', True),
    'uniformer_large_ls_tl': ('uniformer_l', True),
    'uniformer_xxs_in1k': ('uniformer_xxs', False),
    'uniformer_xs_in1k': ('uniformer_xs', False),
}

#: Weight of the per-token head's max in a token-labeling model's prediction (authors' eval).
AUX_PREDICTION_WEIGHT = 0.5


def token_label_prediction(cls_logits: torch.Tensor, aux_logits: torch.Tensor) -> torch.Tensor:
    """A token-labeling model's prediction: the class head plus 0.5 x the max over tokens of
    the per-token head (``aux_logits``: ``(B, N, classes)``)."""
    return cls_logits + AUX_PREDICTION_WEIGHT * aux_logits.max(1)[0]


def classifier_row(name: str) -> Tuple[str, bool]:
    """``(backbone variant, token labeling)`` of a released classifier's name."""
    if name not in CLASSIFIERS:
        raise ConfigError(
            f'Unknown UniFormer classifier {name!r}. Released classifiers: '
            f'{sorted(CLASSIFIERS)}; or give an image backbone variant (plain head) as variant=: '
            f'{sorted(k for k, v in ARCH_SETTINGS.items() if not v["video"])}.')
    return CLASSIFIERS[name]


class UniFormerClassifier(UniFormer):
    """An ImageNet classifier of the family (see the module docstring).

    Args:
        arch: a released classifier's name (a key of :data:`CLASSIFIERS`, e.g.
            ``'uniformer_small_tl'``): sets ``variant`` and ``token_labeling``.
        variant: the backbone row (``'uniformer_s'``, ``'uniformer_l'``, ``'uniformer_xxs'``
            ...), where ``arch`` is not given.
        num_classes: classes of ``head`` (and ``aux_head`` / ``head_cls``); 0 builds no
            head (``forward`` returns the pooled features).
        token_labeling: add the per-token ``aux_head`` of the token-labeling models.
        mix_token: MixToken in training (token-labeling models only; beta(1, 1) shares as
            released).
        **kwargs: :class:`UniFormer` arguments (``drop_path_rate``, ``layer_scale``,
            ``init_cfg`` ...); ``out_indices`` is fixed to the last stage.
    """

    def __init__(self, arch: Optional[str] = None, variant: str = 'uniformer_s',
                 num_classes: int = 1000, token_labeling: bool = False,
                 mix_token: bool = False, **kwargs):
        if arch is not None:
            variant, token_labeling = classifier_row(arch)
        if mix_token and not (token_labeling and num_classes):
            raise ConfigError(
                f'mix_token=True: MixToken trains the per-token head of a token-labeling '
                f'classifier (arch=\'*_tl\', num_classes >= 1); {arch or variant!r} '
                f'{"has none" if not token_labeling else f"has num_classes={num_classes!r}"}.')
        self.mix_token = mix_token
        self.arch_name = arch
        for key in ('out_indices', 'window_size', 'test_stage3_attention', 'test_window_size'):
            if kwargs.get(key) is not None:
                raise ConfigError(f'{key}={kwargs[key]!r}: the classifiers attend globally and '
                                 f'return their last map only; build a backbone '
                                 f'(create_backbone) for multi-scale or windowed features.')
        if not isinstance(num_classes, int) or num_classes < 0:
            raise ConfigError(
                f'num_classes={num_classes!r}: give model.backbone.num_classes a count >= 1 (0 '
                f'for no head). None is for the package\'s tools/train.py and test.py, which '
                f'count the class folders of the dataset; elsewhere write the count.')
        super().__init__(variant=variant, out_indices=(3,), **kwargs)
        dim = self.embed_dims[-1]
        self.num_classes = num_classes
        self.token_labeling = token_labeling
        if self.light:
            self.norm_cls = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes) if num_classes else nn.Identity()
        if self.light:
            self.head_cls = nn.Linear(dim, num_classes) if num_classes else nn.Identity()
        if token_labeling:
            self.aux_head = nn.Linear(dim, num_classes) if num_classes else nn.Identity()
        for m in (self.head, getattr(self, 'head_cls', None), getattr(self, 'aux_head', None)):
            if isinstance(m, nn.Linear):
                self._init_module(m)

    # The stage-4 map leaves through one BatchNorm (the backbone has four LayerNorms).
    def _add_output_norm(self, stage: int, dim: int):
        if stage == 3:
            self.norm = nn.BatchNorm2d(dim)

    def _stage_norms(self, stage: int):
        return [self.norm] if stage == 4 else []

    def _output(self, stage: int, x_nhwc, outs):
        if stage == 3:
            outs.append(self.norm(channels_first(x_nhwc).contiguous()))

    @property
    def kind(self) -> str:
        """``'light'``, ``'token_labeling'`` or ``'plain'``."""
        return 'light' if self.light else 'token_labeling' if self.token_labeling else 'plain'

    def get_classifier(self) -> nn.Module:
        return self.head

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The stage-4 map after the final BatchNorm, ``(B, C, H/32, W/32)``."""
        return self.forward_stages(x)[0][0]

    def forward(self, x: torch.Tensor
                ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        if not (self.mix_token and self.training):
            (feat,), cls_token = self.forward_stages(x)
            return self.forward_head(feat, cls_token)
        mixed = {}

        def mix_stem(stem):
            grid = tuple(stem.shape[-2:])
            mixed['grid'], mixed['box'] = grid, mix_token_box(grid, np.random.beta(1., 1.))
            return mix_in_box(stem, mixed['box'])

        (feat,), _ = self.forward_stages(x, after_stem=mix_stem)
        logits, aux = self.forward_head(feat)
        B, (H, W) = feat.shape[0], feat.shape[-2:]
        box = stage_box(mixed['box'], mixed['grid'], (H, W))
        aux = mix_in_box(aux.transpose(1, 2).reshape(B, -1, H, W), box)
        return logits, aux.flatten(2).transpose(1, 2), mixed_share(box, (H, W))

    def forward_head(self, feat: torch.Tensor, cls_token: Optional[torch.Tensor] = None):
        """The prediction (eval) or what the loss needs (training) from the final map (and the
        light models' class token); see the module docstring. Without a head
        (``num_classes=0``): the pooled features ``(B, C)``, as timm's models give them."""
        if not self.num_classes:
            return feat.mean((2, 3))
        if self.token_labeling:
            tokens = feat.flatten(2).transpose(1, 2)
            logits = self.head(tokens.mean(1))
            aux = self.aux_head(tokens)
            return (logits, aux) if self.training else token_label_prediction(logits, aux)
        logits = self.head(feat.mean((2, 3)))
        if self.light and self.training:
            return logits, self.head_cls(self.norm_cls(cls_token).squeeze(1))
        return logits


def create_classifier(name: str, num_classes: int = 1000, **overrides) -> UniFormerClassifier:
    """Build one of the authors' classifiers by name, e.g.
    ``create_classifier('uniformer_base_tl')`` or ``create_classifier('uniformer_xxs_in1k',
    num_classes=10)``; ``overrides`` are :class:`UniFormerClassifier` arguments. A backbone
    variant name (``'uniformer_s'``) builds that row with a plain head."""
    is_variant = name not in CLASSIFIERS and VARIANT_ALIASES.get(name, name) in ARCH_SETTINGS
    overrides['variant' if is_variant else 'arch'] = name
    model = UniFormerClassifier(num_classes=num_classes, **overrides)
    model.init_weights()
    return model
