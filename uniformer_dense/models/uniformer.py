"""The UniFormer image backbone, one implementation for detection, segmentation and pose.

UniFormer (Li et al., ICLR 2022 / TPAMI 2023) stacks four stages: the first two use *local*
blocks (a depthwise 5x5 convolution as "attention", BatchNorm), the last two use
self-attention blocks (LayerNorm). Dense-prediction variants differ only in how stage 3
attends (global, windowed, or hybrid: windowed with every fourth block global) and, for the
light XXS/XS models, in a convolutional stem plus token pruning and recovery ("hourglass")
in stages 3 and 4. Every variant is a row of :data:`ARCH_SETTINGS` over one class.

Parameter names follow the authors' release exactly (``patch_embed1``, ``blocks3.4.attn.qkv``,
``norm4`` ...), so their checkpoints load with no renaming. Numerics follow the authors'
implementation too, including two details that look like accidents but which the released
weights depend on: the patch-embedding LayerNorms use eps 1e-5 while all other LayerNorms
use 1e-6, and window attention attends over the zero padding it adds (no mask).

Internally stages 3 and 4 keep activations channels-last ``(B, H, W, C)``: attention and MLP
then need no transposes. The CPU fast paths the blocks take (in-place residuals and GELU and a
banded stage-1/2 MLP at inference, window attention over the real tokens of a heavily padded
map, a cheaper 5x5 depthwise weight gradient in training) and the gates that say when each is
taken live in :mod:`uniformer_dense.models.fast_paths`; the blocks call them by name and
compute the same numbers either way. This file is the architecture only.
"""
from __future__ import annotations

import copy
from typing import Callable, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from ..checkpoint import load_backbone_checkpoint
from ..errors import ConfigError
from .fast_paths import (add_mlp_in_bands, avg_pool_2x2, channels_first, channels_last,
                         depthwise_conv, fresh_sum, gelu, projects_real_tokens_only, residual,
                         uses_banded_mlp, uses_linear_pointwise_3d)

STAGE3_ATTENTION = ('global', 'window', 'hybrid', 'light')

# Every variant is one row of properties, and the code branches on these, never on a variant's
# name: every row carries every key of _DEFAULTS. ``light``: the XXS/XS models (token pruning
# in stages 3-4, ``stage3_attention='light'``); ``conv_stem``: two 3x3 convolutions instead of a
# 4x4 patch embedding; ``conv_downsample``: a 3x3 stride-2 convolution with BatchNorm between
# stages instead of a 2x2 patch embedding with LayerNorm (the S-plus models, "S\u2020");
# ``layer_scale``: initial per-channel scale of the attention blocks (None: off), of the local
# blocks too with ``local_layer_scale`` (UniFormer-L); ``head_dim``: channels per attention head; ``stage3_attention``/``window_size``: global,
# windowed or hybrid stage 3; ``video``: the 3D network, built by UniFormerVideo. Names are ours;
# the authors' names are in the reference layout files (``layers``/``depth``, ``embed_dim``,
# ``windows``/``hybrid`` ...).
_DEFAULTS = dict(mlp_ratio=4., conv_stem=False, conv_downsample=False, layer_scale=None,
                 local_layer_scale=False, window_size=None, light=False, video=False)
_S = dict(_DEFAULTS, depths=(3, 4, 8, 3), embed_dims=(64, 128, 320, 512), head_dim=64)
_B = dict(_DEFAULTS, depths=(5, 8, 20, 7), embed_dims=(64, 128, 320, 512), head_dim=64)
_S_PLUS = dict(_DEFAULTS, depths=(3, 5, 9, 3), embed_dims=(64, 128, 320, 512), conv_stem=True,
               conv_downsample=True)
_LIGHT = dict(_DEFAULTS, light=True, stage3_attention='light', conv_stem=True, mlp_ratio=3.)
# Layer scale's initial value in the authors' *_ls models.
LAYER_SCALE_INIT = 1e-6
ARCH_SETTINGS = {
    'uniformer_s': dict(_S, stage3_attention='global'),
    'uniformer_s_h14': dict(_S, stage3_attention='hybrid', window_size=14),
    'uniformer_s_w32': dict(_S, stage3_attention='window', window_size=32),
    'uniformer_s_h32': dict(_S, stage3_attention='hybrid', window_size=32),
    'uniformer_b': dict(_B, stage3_attention='global'),
    'uniformer_b_h14': dict(_B, stage3_attention='hybrid', window_size=14),
    # The other ImageNet classifiers' backbones (models/classifier.py): head dim 32 (the
    # token-labeling S and B), S-plus (conv stem and downsampling, depths 3-5-9-3), B with
    # layer scale, and L (layer scale in every block).
    'uniformer_s_dim32': dict(_S, head_dim=32, stage3_attention='global'),
    'uniformer_s_plus': dict(_S_PLUS, head_dim=32, stage3_attention='global'),
    'uniformer_s_plus_dim64': dict(_S_PLUS, head_dim=64, stage3_attention='global'),
    'uniformer_b_dim32': dict(_B, head_dim=32, stage3_attention='global'),
    'uniformer_b_ls': dict(_B, layer_scale=LAYER_SCALE_INIT, stage3_attention='global'),
    'uniformer_l': dict(_DEFAULTS, depths=(5, 10, 24, 7), embed_dims=(128, 192, 448, 640),
                        head_dim=64, layer_scale=LAYER_SCALE_INIT, local_layer_scale=True,
                        stage3_attention='global'),
    'uniformer_xxs': dict(_LIGHT, depths=(2, 5, 8, 2), embed_dims=(56, 112, 224, 448),
                          head_dim=28),
    'uniformer_xs': dict(_LIGHT, depths=(3, 5, 9, 3), embed_dims=(64, 128, 256, 512),
                         head_dim=32),
    # The video network (ICLR 2022): the same stages with 3D ops and joint space-time
    # attention in stages 3-4, built by UniFormerVideo (create_backbone picks the class).
    'uniformer_video_s': dict(_S, stage3_attention='global', video=True),
    'uniformer_video_b': dict(_B, stage3_attention='global', video=True),
}
VIDEO_VARIANTS = tuple(k for k, v in ARCH_SETTINGS.items() if v['video'])
IMAGE_VARIANTS = tuple(k for k in ARCH_SETTINGS if k not in VIDEO_VARIANTS)
LIGHT_VARIANTS = tuple(k for k, v in ARCH_SETTINGS.items() if v['light'])
# Short aliases used by the authors' ImageNet files and by timm-style names.
VARIANT_ALIASES = {
    'uniformer_small': 'uniformer_s',
    'uniformer_base': 'uniformer_b',
}

# Light models: share of tokens kept by each attention block of stages 3 and 4 and the weight
# of the new class-attention score when a block updates the running token-importance score.
# The first block of stage 3 keeps every token: it computes the first importance score.
LIGHT_KEEP_RATIO = 0.5
LIGHT_TRADE_OFF = 0.5


def drop_path(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Stochastic depth: zero whole residual branches per sample, rescale the rest."""
    if p == 0. or not training:
        return x
    keep = 1 - p
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class DropPath(nn.Module):

    def __init__(self, p: float = 0.):
        super().__init__()
        self.p = p

    def forward(self, x):
        return drop_path(x, self.p, self.training)

    def extra_repr(self):
        return f'p={self.p}'


def conv_nd(ndim: int):
    """``nn.Conv2d`` for images, ``nn.Conv3d`` for videos (``(B, C, T, H, W)`` maps)."""
    return {2: nn.Conv2d, 3: nn.Conv3d}[ndim]


def batch_norm_nd(ndim: int):
    return {2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[ndim]


to_channels_last = channels_last  # for methods whose ``channels_last`` argument shadows it


class PatchEmbed(nn.Module):
    """Strided convolution + LayerNorm (eps 1e-5, as released) between stages.

    ``patch_size`` / ``stride`` / ``padding`` are ints or per-axis tuples; ``ndim=3`` makes
    it the video network's (T, H, W) embedding, e.g. the stem's (3, 4, 4) kernel with
    stride (2, 4, 4) and padding (1, 0, 0).
    """

    def __init__(self, in_channels, embed_dim, patch_size, stride=None, padding=0, ndim=2):
        super().__init__()
        self.norm = nn.LayerNorm(embed_dim)
        self.proj = conv_nd(ndim)(in_channels, embed_dim, kernel_size=patch_size,
                                  stride=patch_size if stride is None else stride,
                                  padding=padding)

    def forward(self, x, channels_last: bool = False):
        """Channels-first in; channels-first out, or ``(B, *spatial, C)`` when
        ``channels_last``."""
        x = self.norm(to_channels_last(self.proj(x)))
        return x if channels_last else channels_first(x)


class ConvStem(nn.Module):
    """Stride-4 stem of the light models: two 3x3 stride-2 convolutions with BatchNorm."""

    def __init__(self, in_channels, embed_dim):
        super().__init__()
        mid = embed_dim // 2
        self.proj = nn.Sequential(
            nn.Conv2d(in_channels, mid, 3, stride=2, padding=1),
            nn.BatchNorm2d(mid),
            nn.GELU(),
            nn.Conv2d(mid, embed_dim, 3, stride=2, padding=1),
            nn.BatchNorm2d(embed_dim),
        )

    def forward(self, x, channels_last: bool = False):
        x = self.proj(x)
        return x.permute(0, 2, 3, 1) if channels_last else x


class ConvDownsample(nn.Module):
    """Stride-2 embedding between the stages of the S-plus models: a 3x3 convolution with
    BatchNorm (the authors' ``middle_embedding``), in place of :class:`PatchEmbed`."""

    def __init__(self, in_channels, embed_dim):
        super().__init__()
        self.proj = nn.Sequential(nn.Conv2d(in_channels, embed_dim, 3, stride=2, padding=1),
                                  nn.BatchNorm2d(embed_dim))

    def forward(self, x, channels_last: bool = False):
        x = self.proj(x)
        return to_channels_last(x) if channels_last else x


class Mlp(nn.Module):
    """Two position-wise layers with exact GELU: 1x1 (x1) convolutions on channels-first
    maps of ``conv_ndim`` spatial axes (stages 1-2), or linear layers on channels-last tokens
    (stages 3-4, ``conv_ndim=0``)."""

    def __init__(self, dim, hidden_dim, drop=0., conv_ndim=0):
        super().__init__()
        layer = (lambda i, o: conv_nd(conv_ndim)(i, o, 1)) if conv_ndim else nn.Linear
        self.fc1 = layer(dim, hidden_dim)
        self.fc2 = layer(hidden_dim, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        if isinstance(self.fc1, nn.Conv3d) and uses_linear_pointwise_3d(x):
            # the 1x1x1 convolutions as matrix products (the same weights viewed (out, in))
            y = F.linear(channels_last(x), self.fc1.weight.flatten(1), self.fc1.bias)
            y = F.linear(self.drop(gelu(y)), self.fc2.weight.flatten(1), self.fc2.bias)
            return channels_first(self.drop(y))
        return self.drop(self.fc2(self.drop(gelu(self.fc1(x)))))


class LocalBlock(nn.Module):
    """Stages 1-2: depthwise-conv token mixing ("local MHRA") on channels-first maps with
    BatchNorm; ``ndim=3`` for videos (3x3x3 position conv, 5x5x5 "attention")."""

    def __init__(self, dim, mlp_ratio=4., drop=0., drop_path=0., ndim=2, layer_scale=None):
        super().__init__()
        conv = conv_nd(ndim)
        self.pos_embed = conv(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = batch_norm_nd(ndim)(dim)
        self.conv1 = conv(dim, dim, 1)
        self.conv2 = conv(dim, dim, 1)
        self.attn = conv(dim, dim, 5, padding=2, groups=dim)
        self.norm2 = batch_norm_nd(ndim)(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop, conv_ndim=ndim)
        self.drop_path = DropPath(drop_path)
        if layer_scale is not None:  # UniFormer-L: one scale per channel, (1, C, 1, 1)
            shape = (1, dim) + (1,) * ndim
            self.gamma_1 = nn.Parameter(layer_scale * torch.ones(shape))
            self.gamma_2 = nn.Parameter(layer_scale * torch.ones(shape))
        else:
            self.gamma_1 = self.gamma_2 = None

    def forward(self, x):
        # a new tensor: later residuals may reuse it
        x = fresh_sum(depthwise_conv(self.pos_embed, x), x)
        y = self.conv2(depthwise_conv(self.attn, self.conv1(self.norm1(x))))
        x = residual(x, self.drop_path(y if self.gamma_1 is None else y * self.gamma_1))
        if self.gamma_2 is None and uses_banded_mlp(x, self.norm2):
            # CPU inference: the MLP band by band, in place
            return add_mlp_in_bands(x, lambda band: self.mlp(self.norm2(band)),
                                    self.mlp.fc1.out_channels)
        y = self.mlp(self.norm2(x))
        return residual(x, self.drop_path(y if self.gamma_2 is None else y * self.gamma_2))


class Attention(nn.Module):
    """Multi-head self-attention over ``(B, N, C)`` tokens with fused SDPA."""

    def __init__(self, dim, num_heads, qkv_bias=True, attn_drop=0., proj_drop=0.):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def attend(self, qkv):
        """``(B, N, 3C)`` queries, keys and values -> ``(B, N, C)`` attention output before
        the output projection; also returns ``q`` and ``k`` as ``(B, heads, N, C/heads)``."""
        B, N, C3 = qkv.shape
        C = C3 // 3
        q, k, v = qkv.reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(
            2, 0, 3, 1, 4).unbind(0)
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.)
        return out.transpose(1, 2).reshape(B, N, C), q, k

    def forward(self, x, return_cls_attn: bool = False):
        """With ``return_cls_attn`` also return the first token's attention to the others,
        averaged over heads (the light models' token-importance signal)."""
        C = x.shape[-1]
        out, q, k = self.attend(self.qkv(x))
        out = self.proj_drop(self.proj(out))
        if not return_cls_attn:
            return out
        scale = (C // self.num_heads) ** -0.5
        cls_attn = ((q[:, :, :1] * scale) @ k.transpose(-2, -1)).softmax(-1)
        return out, cls_attn[:, :, 0, 1:].mean(1)


class AttentionBlock(nn.Module):
    """Stages 3-4: position conv + (windowed) self-attention + MLP on ``(B, H, W, C)``, or
    joint space-time attention on ``(B, T, H, W, C)`` with ``ndim=3``.

    ``window_size=None`` attends globally. With a window (images only), the map is
    zero-padded to a multiple of the window *after* ``norm1`` and the padding tokens take
    part in attention (no mask), exactly as in the released models; outputs are cropped back.
    """

    def __init__(self, dim, num_heads, mlp_ratio=4., qkv_bias=True, drop=0., attn_drop=0.,
                 drop_path=0., window_size=None, layer_scale=None, ndim=2):
        super().__init__()
        self.window_size = window_size
        self.pos_embed = conv_nd(ndim)(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, attn_drop, drop)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)
        self.drop_path = DropPath(drop_path)
        if layer_scale is not None:
            self.gamma_1 = nn.Parameter(layer_scale * torch.ones(dim))
            self.gamma_2 = nn.Parameter(layer_scale * torch.ones(dim))
        else:
            self.gamma_1 = self.gamma_2 = None

    def add_pos_embed(self, x):
        # The channels-last tensor viewed as NC(T)HW is a channels_last(_3d) tensor: the
        # depthwise conv reads it without a copy and returns the same memory format.
        # The sum is a new tensor that later residuals of the block may reuse.
        return fresh_sum(channels_last(depthwise_conv(self.pos_embed, channels_first(x))), x)

    def scale(self, y, gamma):
        return y if gamma is None else y * gamma

    def mix_tokens(self, x):
        y = self.norm1(x)
        ws = self.window_size
        if ws is None:  # every token of the image (or of the whole clip) attends to all
            return self.attn(y.reshape(x.shape[0], -1, x.shape[-1])).view(x.shape)
        B, H, W, C = x.shape
        pad_b, pad_r = (-H) % ws, (-W) % ws
        Hp, Wp = H + pad_b, W + pad_r
        nh, nw = Hp // ws, Wp // ws
        if projects_real_tokens_only(H, W, Hp, Wp):
            return self._mix_padded_windows(y, pad_b, pad_r)
        if pad_b or pad_r:
            y = F.pad(y, (0, 0, 0, pad_r, 0, pad_b))
        windows = y.view(B, nh, ws, nw, ws, C).transpose(2, 3).reshape(-1, ws * ws, C)
        windows = self.attn(windows)
        y = windows.view(B, nh, nw, ws, ws, C).transpose(2, 3).reshape(B, Hp, Wp, C)
        return y[:, :H, :W] if pad_b or pad_r else y

    def _mix_padded_windows(self, y, pad_b, pad_r):
        """Window attention of a map that needs much padding, computed on the real tokens.

        The padding tokens are zeros after norm1, so their queries, keys and values are the
        qkv bias: only the real tokens are projected, the projections are padded with the
        bias (the numbers of projecting the padded map), and the output projection, which is
        position-wise, runs after the crop. Recorded graphs always take this path (a branch on
        the padding would be frozen into the graph at the export size)."""
        B, H, W, C = y.shape
        ws, attn = self.window_size, self.attn
        qkv = F.pad(F.linear(y, attn.qkv.weight), (0, 0, 0, pad_r, 0, pad_b))
        if attn.qkv.bias is not None:
            qkv = fresh_sum(qkv, attn.qkv.bias)
        Hp, Wp = H + pad_b, W + pad_r
        nh, nw = Hp // ws, Wp // ws
        windows = qkv.view(B, nh, ws, nw, ws, 3 * C).transpose(2, 3).reshape(-1, ws * ws, 3 * C)
        windows = attn.attend(windows)[0]
        y = windows.view(B, nh, nw, ws, ws, C).transpose(2, 3).reshape(B, Hp, Wp, C)
        return attn.proj_drop(attn.proj(y[:, :H, :W]))

    def forward(self, x):
        x = self.add_pos_embed(x)
        x = residual(x, self.drop_path(self.scale(self.mix_tokens(x), self.gamma_1)))
        return residual(x, self.drop_path(self.scale(self.mlp(self.norm2(x)), self.gamma_2)))


class LightAttentionBlock(AttentionBlock):
    """Attention block of the light models: token pruning and recovery.

    A running per-token importance score (the class token's attention) decides which half of
    the tokens enter attention; the rest are merged into one representative token whose
    update is then added back to every dropped token ("fast update"). The first block of
    stage 3 keeps all tokens and seeds the score. Positional order is restored on exit.
    """

    def __init__(self, *args, keep_ratio=1., trade_off=0., downsample_score=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.keep_ratio = keep_ratio
        self.trade_off = trade_off
        self.downsample_score = downsample_score
        # Layer scale of the fast update of dropped tokens (only blocks that drop tokens).
        layer_scale = kwargs.get('layer_scale')
        self.gamma_3 = (nn.Parameter(layer_scale * torch.ones(kwargs['dim']))
                        if layer_scale is not None and keep_ratio != 1 else None)

    def _update_score(self, score, cls_attn, n_tokens):
        t = self.trade_off
        if score is None:
            return cls_attn
        if score.shape[1] == n_tokens - 1:  # no representative token: update every score
            return (1 - t) * score + t * cls_attn
        kept = n_tokens - 2  # the class token and the representative token are not scored
        return torch.cat([(1 - t) * score[:, :kept] + t * cls_attn[:, :kept], score[:, kept:]], 1)

    def forward(self, cls_token, x, score):
        x = self.add_pos_embed(x)
        B, H, W, C = x.shape
        x = x.reshape(B, H * W, C)
        N = H * W
        if self.keep_ratio == 1:
            x = torch.cat([cls_token, x], 1)
            y, cls_attn = self.attn(self.norm1(x), return_cls_attn=True)
            score = self._update_score(score, cls_attn, x.shape[1])
            x = x + self.drop_path(self.scale(y, self.gamma_1))
            x = x + self.drop_path(self.scale(self.mlp(self.norm2(x)), self.gamma_2))
            return x[:, :1], x[:, 1:].reshape(B, H, W, C), score

        # floor(N * keep_ratio) in integer arithmetic, which a recorded graph keeps symbolic
        # in N (``int(N * 0.5)`` would freeze the export size's token count).
        num, den = float(self.keep_ratio).as_integer_ratio()
        n_keep = N * num // den
        order = torch.argsort(score, dim=1, descending=True)
        x = torch.gather(x, 1, order.unsqueeze(-1).expand(-1, -1, C))
        score = torch.gather(score, 1, order)
        x_keep, x_drop = x[:, :n_keep], x[:, n_keep:]
        weight = score[:, n_keep:] / score[:, n_keep:].sum(1, keepdim=True)
        rep_token = (weight.unsqueeze(-1) * x_drop).sum(1, keepdim=True)

        x = torch.cat([cls_token, x_keep, rep_token], 1)
        y, cls_attn = self.attn(self.norm1(x), return_cls_attn=True)
        score = self._update_score(score, cls_attn, x.shape[1])
        rep_update = y[:, -1:]
        x = x + self.drop_path(self.scale(y, self.gamma_1))
        y = self.mlp(self.norm2(x))
        rep_update = rep_update + y[:, -1:]
        x = x + self.drop_path(self.scale(y, self.gamma_2))
        x_drop = x_drop + self.scale(rep_update, self.gamma_3)

        cls_token = x[:, :1]
        x_sorted = torch.cat([x[:, 1:-1], x_drop], 1)
        # Undo the sort: scatter every token (and its score) back to its position.
        x = torch.empty_like(x_sorted).scatter_(1, order.unsqueeze(-1).expand(-1, -1, C), x_sorted)
        score = torch.empty_like(score).scatter_(1, order, score)
        if self.downsample_score:
            total = score.sum(1, keepdim=True)
            score = avg_pool_2x2(score.view(B, 1, H, W)).flatten(1)
            score = score * (total / score.sum(1, keepdim=True))
        return cls_token, x.view(B, H, W, C), score


def _checked_variant(name: str, video: Optional[bool] = None) -> str:
    """The canonical variant name; ``video`` (if given) says which family it must be of."""
    name = VARIANT_ALIASES.get(name, name)
    if name not in ARCH_SETTINGS:
        raise ConfigError(
            f"Unknown UniFormer variant {name!r}. Valid variants: {sorted(ARCH_SETTINGS)} "
            f"(aliases: {sorted(VARIANT_ALIASES)}).")
    if video is not None and (name in VIDEO_VARIANTS) != video:
        want, cls = (('a video', 'UniFormerVideo') if name in VIDEO_VARIANTS else
                     ('an image', 'UniFormer'))
        raise ConfigError(
            f"Variant {name!r} is {want} network: build it with type='{cls}' (or "
            f"create_backbone({name!r}), which picks the class). Image variants: "
            f"{list(IMAGE_VARIANTS)}; video variants: {list(VIDEO_VARIANTS)}.")
    return name


class UniFormer(BaseModule):
    """UniFormer backbone returning the four stage maps (strides 4, 8, 16, 32).

    Args:
        variant: a key of :data:`ARCH_SETTINGS` (``'uniformer_s_h14'`` ...); the other
            architecture arguments override that row.
        depths, embed_dims, head_dim, mlp_ratio, conv_stem: architecture.
        stage3_attention: ``'global'``, ``'window'`` (every block windowed), ``'hybrid'``
            (windowed, every fourth block global) or ``'light'`` (token pruning). The first
            three share weights, so a model trained with one can be tested with another.
        window_size: window of ``'window'``/``'hybrid'`` stage 3.
        drop_path_rate: stochastic depth, linearly increasing over all blocks.
        out_indices: which stage maps to return (0-3).
        frozen_stages: -1 trains everything; 0 freezes the stem (``patch_embed1``); k >= 1
            freezes the stem and stages 1..k (embedding, blocks, output norm).
        norm_eval: keep BatchNorm layers (stages 1-2, conv stem) in eval mode while training:
            frozen statistics, which the authors found helps with small detection batches.
        with_cp: gradient checkpointing for every block. ``checkpoint_num`` instead
            checkpoints the first ``n`` blocks of each stage (the authors' option, e.g.
            ``(0, 0, 8, 0)`` for stage 3 of UniFormer-S).
        layer_scale: initial value of per-channel layer scale in the attention blocks
            (``gamma_1``/``gamma_2``, as in the authors' ``*_ls`` ImageNet files), and in the
            local blocks too where the row says ``local_layer_scale``; None takes the
            variant's row (on in ``uniformer_b_ls`` and ``uniformer_l`` only).
        test_stage3_attention, test_window_size: stage-3 attention used in eval mode only
            (the weights are the same): a model trained with global attention is tested with
            windows, as the papers' w32/h32 segmentation rows do. Training is unaffected.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH_OR_URL_OR_ZOO_NAME)`` loads an
            ImageNet or backbone checkpoint through :func:`load_backbone_checkpoint`
            (extra keys ``prefix``, ``strict`` and, for classifiers, ``replace_head`` are
            honoured).
    """

    #: Spatial axes of the input: 2 for images (H, W); the video subclass sets 3 (T, H, W).
    spatial_ndim = 2

    def __init__(self,
                 variant: str = 'uniformer_s',
                 depths: Optional[Sequence[int]] = None,
                 embed_dims: Optional[Sequence[int]] = None,
                 head_dim: Optional[int] = None,
                 mlp_ratio: Optional[float] = None,
                 conv_stem: Optional[bool] = None,
                 stage3_attention: Optional[str] = None,
                 window_size: Optional[int] = None,
                 qkv_bias: bool = True,
                 in_channels: int = 3,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 checkpoint_num: Optional[Sequence[int]] = None,
                 layer_scale: Optional[float] = None,
                 test_stage3_attention: Optional[str] = None,
                 test_window_size: Optional[int] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.variant = _checked_variant(variant, video=self.spatial_ndim == 3)
        # The variant's row; arguments given (not None) override it. ``light`` and ``video``
        # say what the variant is, not options: a stage3_attention that contradicts ``light``
        # (_check_attention) or a class that contradicts ``video`` (_checked_variant) is refused.
        arch = dict(ARCH_SETTINGS[self.variant])
        overrides = dict(depths=depths, embed_dims=embed_dims, head_dim=head_dim,
                         mlp_ratio=mlp_ratio, conv_stem=conv_stem,
                         stage3_attention=stage3_attention, window_size=window_size,
                         layer_scale=layer_scale)
        arch.update({k: v for k, v in overrides.items() if v is not None})
        self.arch = arch
        self.light = arch['light']
        depths, embed_dims = tuple(arch['depths']), tuple(arch['embed_dims'])
        self.depths, self.embed_dims = depths, embed_dims
        self.stage3_attention = arch['stage3_attention']
        self.window_size = arch['window_size']
        self._validate(out_indices, frozen_stages, checkpoint_num)
        self.test_attention = None
        if test_stage3_attention is not None or test_window_size is not None:
            self.test_attention = (
                self.stage3_attention if test_stage3_attention is None else test_stage3_attention,
                self.window_size if test_window_size is None else test_window_size)
            self._check_attention(*self.test_attention, prefix='test_')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.checkpoint_num = tuple(checkpoint_num) if checkpoint_num is not None else (
            depths if with_cp else (0, 0, 0, 0))
        mlp_ratio = arch['mlp_ratio']
        num_heads = [d // arch['head_dim'] for d in embed_dims]

        if self.light:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims[2]))
        for i in range(4):
            setattr(self, f'patch_embed{i + 1}', self._make_patch_embed(
                i, in_channels if i == 0 else embed_dims[i - 1], embed_dims[i]))
        if self.light:
            self.cls_upsample = nn.Linear(embed_dims[2], embed_dims[3])
        self.pos_drop = nn.Dropout(drop_rate)

        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        start = 0
        for stage in range(4):
            dim, blocks = embed_dims[stage], []
            for j in range(depths[stage]):
                rate = dpr[start + j]
                if stage < 2:
                    blk = LocalBlock(dim, mlp_ratio, drop_rate, rate, ndim=self.spatial_ndim,
                                     layer_scale=(arch['layer_scale'] if arch['local_layer_scale']
                                                  else None))
                else:
                    common = dict(dim=dim, num_heads=num_heads[stage], mlp_ratio=mlp_ratio,
                                  qkv_bias=qkv_bias, drop=drop_rate, attn_drop=attn_drop_rate,
                                  drop_path=rate, layer_scale=arch['layer_scale'],
                                  ndim=self.spatial_ndim)
                    if self.light:
                        first = stage == 2 and j == 0
                        blk = LightAttentionBlock(
                            **common, keep_ratio=1. if first else LIGHT_KEEP_RATIO,
                            trade_off=1. if first else LIGHT_TRADE_OFF,
                            downsample_score=stage == 2 and j == depths[2] - 1)
                    else:
                        blk = AttentionBlock(**common, window_size=self._window_for(stage, j))
                blocks.append(blk)
            start += depths[stage]
            setattr(self, f'blocks{stage + 1}', nn.ModuleList(blocks))
            self._add_output_norm(stage, dim)
        self._freeze_stages()

    # ------------------------------------------------------------------ construction
    def _make_patch_embed(self, stage: int, in_channels: int, dim: int) -> nn.Module:
        if stage > 0:
            if self.arch['conv_downsample']:
                return ConvDownsample(in_channels, dim)
            return PatchEmbed(in_channels, dim, 2)
        if self.arch['conv_stem']:
            return ConvStem(in_channels, dim)
        return PatchEmbed(in_channels, dim, 4)

    def _add_output_norm(self, stage: int, dim: int):
        """Each stage map leaves through its own LayerNorm ``norm{stage + 1}``.

        Stages not in ``out_indices`` keep theirs for the checkpoint layout, but it is never
        applied, so it takes no gradient: DistributedDataParallel stops on trainable
        parameters without one (top-down pose, ``out_indices=(3,)``, on several GPUs)."""
        norm = nn.LayerNorm(dim, eps=1e-6)
        if stage not in self.out_indices:
            norm.requires_grad_(False)
        setattr(self, f'norm{stage + 1}', norm)

    def _stage_norms(self, stage: int):
        """The output norms that belong to stage ``stage`` (1-4), for freezing."""
        return [getattr(self, f'norm{stage}')]

    def _window_for(self, stage: int, index: int, attention: Optional[str] = None,
                    window_size: Optional[int] = None) -> Optional[int]:
        attention = attention or self.stage3_attention
        if stage != 2 or attention == 'global':
            return None
        if attention == 'hybrid' and (index + 1) % 4 == 0:
            return None
        return self.window_size if window_size is None else window_size

    def _set_stage3_attention(self, attention: str, window_size: Optional[int]):
        for j, blk in enumerate(self.blocks3):
            blk.window_size = self._window_for(2, j, attention, window_size)

    def _check_attention(self, attention, window_size, prefix=''):
        if attention not in STAGE3_ATTENTION:
            raise ConfigError(f'{prefix}stage3_attention={attention!r} is not one of '
                             f'{STAGE3_ATTENTION}.')
        if self.light != (attention == 'light'):
            raise ConfigError(
                f"{prefix}stage3_attention={attention!r} does not fit variant "
                f"{self.variant!r}: the light variants ({', '.join(LIGHT_VARIANTS)}) use 'light', "
                f"the others one of 'global', 'window', 'hybrid'.")
        if attention in ('window', 'hybrid'):
            if not isinstance(window_size, int) or isinstance(window_size, bool) or window_size < 1:
                raise ConfigError(f'{prefix}window_size={window_size!r} is invalid for '
                                 f'{prefix}stage3_attention={attention!r}: use an integer >= 1 '
                                 f'(the released models use 14 or 32).')

    def _validate(self, out_indices, frozen_stages, checkpoint_num):
        self._check_attention(self.stage3_attention, self.window_size)
        if len(self.depths) != 4 or len(self.embed_dims) != 4:
            raise ConfigError(f'depths {self.depths} and embed_dims {self.embed_dims} must have '
                             f'4 entries, one per stage.')
        bad = [i for i in out_indices if not (isinstance(i, int) and 0 <= i <= 3)]
        if bad or len(set(out_indices)) != len(tuple(out_indices)):
            raise ConfigError(f'out_indices={tuple(out_indices)} is invalid: use distinct stage '
                             f'indices from 0 (stride 4) to 3 (stride 32).')
        if not (isinstance(frozen_stages, int) and -1 <= frozen_stages <= 4):
            raise ConfigError(f'frozen_stages={frozen_stages!r} is out of range: use -1 (nothing '
                             f'frozen), 0 (stem only) up to 4 (all stages).')
        if checkpoint_num is not None:
            cn = tuple(checkpoint_num)
            if len(cn) != 4 or any(not 0 <= n <= d for n, d in zip(cn, self.depths)):
                raise ConfigError(f'checkpoint_num={cn} is invalid: one count per stage, each '
                                 f'between 0 and that stage depth {self.depths}.')

    def _frozen_modules(self):
        mods = []
        if self.frozen_stages >= 0:
            mods.append(self.patch_embed1)
        for stage in range(1, self.frozen_stages + 1):
            if stage > 1:
                mods.append(getattr(self, f'patch_embed{stage}'))
            mods += [getattr(self, f'blocks{stage}'), *self._stage_norms(stage)]
            if self.light and stage == 3:
                mods.append(self.cls_upsample)
        return mods

    def _freeze_stages(self):
        for m in self._frozen_modules():
            m.eval()
            for p in m.parameters():
                p.requires_grad = False
        if self.light and self.frozen_stages >= 3:
            self.cls_token.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        if self.test_attention is not None:
            self._set_stage3_attention(*(
                (self.stage3_attention, self.window_size) if mode else self.test_attention))
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    # ------------------------------------------------------------------ weights
    def init_weights(self):
        cfg = copy.deepcopy(self.init_cfg)
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            load_backbone_checkpoint(self, cfg['checkpoint'], prefix=cfg.get('prefix'),
                                     strict=cfg.get('strict', True),
                                     replace_head=cfg.get('replace_head', False))
            self._is_init = True
            return
        if cfg is not None:  # any other MMEngine initialiser (e.g. Kaiming)
            super().init_weights()
            return
        # The authors' initialisation. Not MMEngine's, which would also log every tensor.
        self.apply(self._init_module)
        if self.light:
            nn.init.trunc_normal_(self.cls_token, std=.02)
        self._is_init = True

    @staticmethod
    def _init_module(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    # ------------------------------------------------------------------ forward
    def _run(self, stage: int, index: int, blk, *args):
        if index < self.checkpoint_num[stage] and self.training and torch.is_grad_enabled():
            return cp.checkpoint(blk, *args, use_reentrant=False)
        return blk(*args)

    def _output(self, stage: int, x_nhwc, outs):
        if stage in self.out_indices:
            norm = getattr(self, f'norm{stage + 1}')
            outs.append(channels_first(norm(x_nhwc)).contiguous())

    def forward(self, x):
        return self.forward_stages(x)[0]

    def forward_stages(self, x, after_stem: Optional[Callable] = None):
        """The maps of ``out_indices`` (a tuple) and, for the light models, the class token
        after stage 4 ``(B, 1, C4)`` (None for the others). ``after_stem`` (if given) maps the
        stem's output ``(B, C1, H/4, W/4)`` before stage 1 (the classifiers' MixToken)."""
        outs = []
        x = self.pos_drop(self.patch_embed1(x))
        if after_stem is not None:
            x = after_stem(x)
        for stage in range(2):
            if stage:
                x = self.patch_embed2(x)
            for j, blk in enumerate(getattr(self, f'blocks{stage + 1}')):
                x = self._run(stage, j, blk, x)
            self._output(stage, channels_last(x), outs)
        if self.light:
            # a copy per sample, not an expanded view of the parameter: in inference mode
            # such a view requires grad without a grad_fn, which torch's module tracker
            # (FLOP counting) cannot handle
            cls_token, score = self.cls_token.repeat(x.shape[0], 1, 1), None
        for stage in (2, 3):
            x = getattr(self, f'patch_embed{stage + 1}')(
                x if stage == 2 else channels_first(x), channels_last=True)
            if self.light and stage == 3:
                cls_token = self.cls_upsample(cls_token)
            for j, blk in enumerate(getattr(self, f'blocks{stage + 1}')):
                if self.light:
                    cls_token, x, score = self._run(stage, j, blk, cls_token, x, score)
                else:
                    x = self._run(stage, j, blk, x)
            self._output(stage, x, outs)
        return tuple(outs), (cls_token if self.light else None)

    @property
    def out_channels(self):
        return [self.embed_dims[i] for i in self.out_indices]


class UniFormerVideo(UniFormer):
    """The video UniFormer (ICLR 2022) without its classifier: ``(B, 3, T, H, W)`` in,
    the map after the final BatchNorm ``norm``, ``(B, C4, T/2, H/32, W/32)``, out.

    The image network with every op made 3D: the stem embeds (3, 4, 4) patches with
    temporal stride 2, later embeddings (1, 2, 2) patches; the local blocks use 3x3x3
    position and 5x5x5 depthwise convolutions with BatchNorm3d; stages 3-4 attend jointly
    over all space-time tokens. There are no per-stage output norms; one BatchNorm3d ``norm``
    follows stage 4, as in the authors' release (whose parameter names this keeps).

    Arguments are :class:`UniFormer`'s (``drop_path_rate``, ``with_cp``/``checkpoint_num``,
    ``frozen_stages``, ``norm_eval``, ``init_cfg`` ...). An ImageNet file given as
    ``init_cfg=dict(type='Pretrained', checkpoint=...)`` is inflated by
    :func:`~uniformer_dense.checkpoint.inflate_average_over_time`.
    """
    spatial_ndim = 3

    def __init__(self, variant: str = 'uniformer_video_s', out_indices: Sequence[int] = (3,),
                 stage3_attention: Optional[str] = None, **kwargs):
        if tuple(out_indices) != (3,):
            raise ConfigError(f'out_indices={tuple(out_indices)}: the video UniFormer returns '
                             f'only the final map after its BatchNorm `norm` (out_indices=(3,)).')
        if stage3_attention not in (None, 'global'):
            raise ConfigError(f"stage3_attention={stage3_attention!r}: the video UniFormer "
                             f"attends globally over space-time ('global') only.")
        for key in ('window_size', 'test_stage3_attention', 'test_window_size', 'conv_stem'):
            if kwargs.get(key) is not None:
                raise ConfigError(f'{key}={kwargs[key]!r} is an image-network option; the video '
                                 f'UniFormer has no windows and no convolutional stem.')
        super().__init__(variant=variant, out_indices=out_indices, **kwargs)

    def _make_patch_embed(self, stage: int, in_channels: int, dim: int) -> nn.Module:
        if stage == 0:
            return PatchEmbed(in_channels, dim, (3, 4, 4), stride=(2, 4, 4), padding=(1, 0, 0),
                              ndim=3)
        return PatchEmbed(in_channels, dim, (1, 2, 2), ndim=3)

    def _add_output_norm(self, stage: int, dim: int):
        if stage == 3:
            self.norm = nn.BatchNorm3d(dim)

    def _stage_norms(self, stage: int):
        return [self.norm] if stage == 4 else []

    def _output(self, stage: int, x_nthwc, outs):
        if stage == 3:
            outs.append(self.norm(channels_first(x_nthwc).contiguous()))

    def forward(self, x):
        if x.dim() != 5:
            raise ConfigError(f'UniFormerVideo expects (B, 3, T, H, W) clips; got a tensor of '
                             f'shape {tuple(x.shape)}.')
        return super().forward(x)[-1]


def create_backbone(name: str, **overrides) -> UniFormer:
    """Build the backbone of a named variant, e.g. ``create_backbone('uniformer_s_h14')`` or
    ``create_backbone('uniformer_video_s')`` (a :class:`UniFormerVideo`).

    ``overrides`` are :class:`UniFormer` arguments (``out_indices``, ``drop_path_rate``,
    ``stage3_attention`` ...).
    """
    name = _checked_variant(name)
    cls = UniFormerVideo if name in VIDEO_VARIANTS else UniFormer
    return cls(variant=name, **overrides)
