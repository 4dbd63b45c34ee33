"""STAN-style classification of long videos (up to minutes) over the two UniFormer networks.

The design is this package's own (the STAN paper, Fish et al. BMVC 2022, publishes only its
abstract: a two-stream transformer over *static image features* and *temporal contextual
features*); docs/long_video.md gives the reasons. In short:

- **temporal stream**: the video UniFormer (``backbone``) on M short clips spread over the
  whole video, one pooled feature vector per clip;
- **static stream**: the image UniFormer (``image_backbone``) on N single frames, one pooled
  vector per frame: with ``SampleLongVideo(static_frames=N)`` one frame in each of N equal
  segments of the whole video (the shipped configs: N = 64, one every ~2 s of a 2-minute
  video), decoded with the clips and packed after them; without it ``static_frames_per_clip``
  frames from inside each clip (N = M x k);
- **fusion** (:class:`TwoStreamTransformer`): both sequences projected to one width, each
  token given the sinusoidal encoding of its *time in the video* (0 = start, 1 = end; a
  static frame and the clip around it get nearby codes) and a learned *stream* embedding,
  then joint self-attention over [CLS] + static + temporal tokens;
- **head** (:class:`STANHead`): one linear classifier on the class token, softmax
  (single-label, top-1) or sigmoid (multi-label, mAP); :class:`STANRegressionHead` one value
  (mean squared error: LVU's regression tasks).

Memory: the backbones run over frames and clips in chunks of ``chunk_size``; frozen
backbones (the default) run without autograd in eval mode, fine-tuned ones
(``finetune_backbones=True``) recompute each chunk in the backward pass (gradient
checkpointing per chunk), so activations are held for one chunk at a time. The features of
frozen backbones can be extracted once (``tools/extract_features.py``) and the transformer
trained on them (:class:`STANDataPreprocessor` accepts either decoded clips or cached
feature dicts; the model takes the shortcut when given features).

Importing this module registers ``STAN``, ``STANHead``, ``STANRegressionHead``,
``STANDataPreprocessor`` in
MMAction2's MODELS; configs name it in ``custom_imports``.
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.models.heads.base import BaseHead
from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS

#: Keys of a cached-features input (and of :meth:`STAN.extract_stream_features`' result).
FEATURE_KEYS = ('static', 'temporal', 'static_times', 'clip_times')
#: Times in seconds, present when the sampler recorded them (``frame_seconds``); needed by a
#: fusion with ``seconds_horizon``.
SECONDS_KEYS = ('static_seconds', 'clip_seconds')
#: The two token sequences of :class:`TwoStreamTransformer`.
STREAMS = ('static', 'temporal')


def time_encoding(times: torch.Tensor, dim: int, max_frequency: float = 64.) -> torch.Tensor:
    """Sinusoidal codes of positions in the video (``times`` in [0, 1], any shape) ->
    ``(*times.shape, dim)``. Frequencies are geometric from 1/2 to ``max_frequency`` cycles
    per video, so the code tells both halves apart and resolves about 1/(2 max_frequency)
    of the video; it does not depend on the video's length or on the number of tokens."""
    half = dim // 2
    freqs = torch.exp(torch.linspace(math.log(0.5), math.log(max_frequency), half,
                                     device=times.device, dtype=torch.float32))
    angles = 2 * math.pi * times.float().unsqueeze(-1) * freqs
    code = torch.cat([angles.sin(), angles.cos()], dim=-1)
    if dim % 2:
        code = F.pad(code, (0, 1))
    return code.to(times.dtype if times.is_floating_point() else torch.float32)


class TwoStreamTransformer(nn.Module):
    """Joint attention over a class token, the static tokens and the temporal tokens.

    Args:
        static_dim / temporal_dim: feature widths of the two backbones.
        embed_dim, depth, num_heads, mlp_ratio, dropout: the transformer (pre-norm layers).
        max_frequency: of :func:`time_encoding`.
        seconds_horizon: ``None``: each token's time code encodes its position as a fraction
            of the video (0 = start, 1 = end). A number of seconds: half of the code encodes
            that fraction, the other half the time in seconds divided by the horizon, so a
            moment 30 s into a 1-minute and into a 2-minute video get the same seconds code
            (the inputs then need ``static_seconds`` / ``clip_seconds``).
        streams: the token sequences attended over, ``('static', 'temporal')`` (STAN) or one
            of them alone: the single-stream ablations of benchmarks/stream_ablation.py
            (the other stream's features are then ignored and it has no projection).
        stream_dropout: in training, the probability that one of the two streams (either,
            at random) is hidden from attention for a video, so that neither stream's tokens
            can stand in for the other's (the two-stream model otherwise fits small training
            sets through whichever stream memorises them first: docs/long_video.md). No
            effect at test.
    """

    def __init__(self, static_dim: int, temporal_dim: int, embed_dim: int = 512,
                 depth: int = 2, num_heads: int = 8, mlp_ratio: float = 4.,
                 dropout: float = 0.1, max_frequency: float = 64.,
                 seconds_horizon: Optional[float] = None,
                 streams: Sequence[str] = STREAMS, stream_dropout: float = 0.):
        super().__init__()
        streams = tuple(streams)
        if not streams or len(set(streams)) != len(streams) or set(streams) - set(STREAMS):
            raise ValueError(f'STAN fusion streams={streams!r}: give one or both of '
                             f'{STREAMS}.')
        self.streams = streams
        if not 0 <= stream_dropout < 1:
            raise ValueError(f'STAN fusion stream_dropout={stream_dropout!r}: give a '
                             f'probability in [0, 1).')
        self.stream_dropout = stream_dropout
        if seconds_horizon is not None and not seconds_horizon > 0:
            raise ValueError(f'STAN fusion seconds_horizon={seconds_horizon!r}: give a '
                             f'positive number of seconds, or None (fractions only).')
        self.embed_dim = embed_dim
        self.max_frequency = max_frequency
        self.seconds_horizon = seconds_horizon
        self.static_proj = self.temporal_proj = None
        if 'static' in streams:
            self.static_proj = nn.Sequential(nn.LayerNorm(static_dim),
                                             nn.Linear(static_dim, embed_dim))
        if 'temporal' in streams:
            self.temporal_proj = nn.Sequential(nn.LayerNorm(temporal_dim),
                                               nn.Linear(temporal_dim, embed_dim))
        self.stream_embed = nn.Parameter(torch.zeros(2, embed_dim))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        layer = nn.TransformerEncoderLayer(
            embed_dim, num_heads, int(embed_dim * mlp_ratio), dropout, activation='gelu',
            batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(embed_dim)
        self.reset_parameters()

    def reset_parameters(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        nn.init.trunc_normal_(self.stream_embed, std=.02)
        nn.init.trunc_normal_(self.cls_token, std=.02)

    def time_code(self, times, seconds=None):
        """The code added to tokens at ``times`` (fractions of the video) / ``seconds``."""
        if self.seconds_horizon is None:
            return time_encoding(times, self.embed_dim, self.max_frequency)
        if seconds is None:
            raise ValueError(
                f'STAN fusion with seconds_horizon={self.seconds_horizon} needs the times in '
                f'seconds: the sampler records frame_seconds (SampleLongVideo), which '
                f"PackActionInputs' meta_keys must carry; cached features need "
                f'{list(SECONDS_KEYS)} (extract them again with tools/extract_features.py).')
        half = self.embed_dim // 2
        return torch.cat([
            time_encoding(times, self.embed_dim - half, self.max_frequency),
            time_encoding(seconds / self.seconds_horizon, half, self.max_frequency)], -1)

    def forward(self, static, temporal, static_times, clip_times, static_seconds=None,
                clip_seconds=None):
        """``static`` (B, N, Cs), ``temporal`` (B, M, Ct), times (B, N) / (B, M) in [0, 1]
        (and in seconds, for ``seconds_horizon``) -> the class token (B, embed_dim)."""
        tokens = [self.cls_token.expand(static.shape[0], -1, -1)]
        if self.static_proj is not None:
            tokens.append(self.static_proj(static) + self.time_code(
                static_times, static_seconds).to(static.dtype) + self.stream_embed[0])
        if self.temporal_proj is not None:
            tokens.append(self.temporal_proj(temporal) + self.time_code(
                clip_times, clip_seconds).to(temporal.dtype) + self.stream_embed[1])
        x = torch.cat(tokens, dim=1)
        hidden = None
        if self.training and self.stream_dropout > 0 and len(tokens) == 3:
            hidden = self._hidden_stream(tokens[1].shape[1], tokens[2].shape[1], x.shape[0],
                                         x.device)
        return self.norm(self.encoder(x, src_key_padding_mask=hidden)[:, 0])

    def _hidden_stream(self, n: int, m: int, b: int, device) -> torch.Tensor:
        """(B, 1 + N + M) key padding mask: True on the tokens of the stream hidden from
        each video (none with probability 1 - stream_dropout; else static or temporal)."""
        drop = torch.rand(b, device=device) < self.stream_dropout
        which = torch.rand(b, device=device) < 0.5  # True: the static stream
        static = (drop & which)[:, None].expand(b, n)
        temporal = (drop & ~which)[:, None].expand(b, m)
        return torch.cat([torch.zeros(b, 1, dtype=torch.bool, device=device), static,
                          temporal], dim=1)


@MODELS.register_module()
class STAN(BaseRecognizer):
    """Long-video recogniser: see the module docstring.

    Args:
        backbone: the temporal stream, a video backbone (``UniFormerVideo``) returning a
            ``(B, C, T', H', W')`` map.
        image_backbone: the static stream, an image backbone (``UniFormerImage`` with
            ``out_indices=(3,)``) returning ``(B, C, H', W')`` maps (or a tuple, last used).
        cls_head: a :class:`STANHead` (``in_channels`` = ``fusion.embed_dim``).
        fusion: arguments of :class:`TwoStreamTransformer` (the stream widths are read from
            the backbones).
        static_frames_per_clip: frames of each clip the image backbone sees, evenly spaced
            inside the clip.
        finetune_backbones: False (default): both backbones frozen (eval mode, no autograd:
            what the feature cache needs). True: trained.
        with_cp: when fine-tuning, gradient checkpointing per chunk: each chunk's forward
            is re-run in the backward pass, so activations are held for one chunk at a time
            (give the backbones ``norm_eval=True`` to keep BatchNorm statistics fixed: the
            re-run would otherwise update them twice).
        chunk_size: frames or clips per backbone call.
        image_mean / image_std: normalisation the image backbone was trained with (0-255
            scale). The data preprocessor normalises for the video backbone; frames for the
            image backbone are re-normalised when these are given.
    """

    def __init__(self, backbone: dict, image_backbone: dict, cls_head: dict,
                 fusion: Optional[dict] = None, static_frames_per_clip: int = 2,
                 finetune_backbones: bool = False, with_cp: bool = True,
                 chunk_size: int = 8,
                 image_mean: Optional[Sequence[float]] = None,
                 image_std: Optional[Sequence[float]] = None,
                 train_cfg: Optional[dict] = None, test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='STANDataPreprocessor')
        super().__init__(backbone=backbone, cls_head=cls_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor)
        if not (isinstance(chunk_size, int) and chunk_size > 0):
            raise ValueError(f'STAN chunk_size={chunk_size!r}: give a positive number of '
                             f'frames/clips per backbone call.')
        if not (isinstance(static_frames_per_clip, int) and static_frames_per_clip > 0):
            raise ValueError(f'STAN static_frames_per_clip={static_frames_per_clip!r}: give a '
                             f'positive number of frames per clip for the image backbone.')
        self.image_backbone = MODELS.build(image_backbone)
        self.static_frames_per_clip = static_frames_per_clip
        self.finetune_backbones = finetune_backbones
        self.with_cp = with_cp
        self.chunk_size = chunk_size
        if (image_mean is None) != (image_std is None):
            raise ValueError('STAN: give both image_mean and image_std, or neither.')
        self.image_norm = None
        if image_mean is not None:
            self.register_buffer('image_mean', torch.tensor(image_mean).view(-1, 1, 1), False)
            self.register_buffer('image_std', torch.tensor(image_std).view(-1, 1, 1), False)
            self.image_norm = True
        self.fusion = TwoStreamTransformer(_width(self.image_backbone, 'image_backbone'),
                                           _width(self.backbone, 'backbone'), **(fusion or {}))
        if not finetune_backbones:
            for p in self.backbones_parameters():
                p.requires_grad_(False)

    # ------------------------------------------------------------------ backbones
    def backbones_parameters(self):
        yield from self.backbone.parameters()
        yield from self.image_backbone.parameters()

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.finetune_backbones:  # frozen: BatchNorm statistics and dropout fixed
            self.backbone.eval()
            self.image_backbone.eval()
        return self

    def init_weights(self):
        # Each part's own initialiser (the backbones load their init_cfg files), without
        # MMEngine's per-tensor log of the whole model.
        for part in (self.backbone, self.image_backbone, self.cls_head):
            part.init_weights()
        self.fusion.reset_parameters()
        self._is_init = True

    @staticmethod
    def _pooled(backbone, x):
        out = backbone(x)
        if isinstance(out, (tuple, list)):
            out = out[-1]
        return out.flatten(2).mean(-1)

    def encode(self, backbone: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """One pooled vector per frame / clip of ``x`` (first axis), ``chunk_size`` at a time."""
        checkpointed = (self.finetune_backbones and self.with_cp and self.training
                        and torch.is_grad_enabled())
        outs = []
        for chunk in x.split(self.chunk_size):
            if not self.finetune_backbones:
                with torch.no_grad():
                    outs.append(self._pooled(backbone, chunk))
            elif checkpointed:
                outs.append(cp.checkpoint(self._pooled, backbone, chunk, use_reentrant=False))
            else:
                outs.append(self._pooled(backbone, chunk))
        return torch.cat(outs)

    def static_frame_indices(self, clip_len: int) -> list:
        """Which frames of a ``clip_len``-frame clip the image backbone sees when the sampler
        takes no static frames of its own (:func:`in_clip_static_positions`)."""
        return in_clip_static_positions(clip_len, self.static_frames_per_clip)

    def extract_stream_features(self, inputs: torch.Tensor,
                                data_samples=None) -> Dict[str, torch.Tensor]:
        """Decoded, normalised clips ``(B, M, 3, T, H, W)`` -> the two token sequences and
        their times: ``static`` (B, N, Cs), ``temporal`` (B, M, Ct), ``static_times`` (B, N),
        ``clip_times`` (B, M). These are what the feature cache stores.

        When the samples' metainfo says ``static_frames`` = N > 0 (``SampleLongVideo`` with
        static frames over the whole video), the last N / T "clips" of the input are those
        frames: the video backbone sees the M clips before them and the image backbone the N
        frames. Otherwise the image backbone sees ``static_frames_per_clip`` frames of each
        clip."""
        if inputs.dim() != 6:
            raise ValueError(
                f'STAN expects a batch of clip sets (B, M clips, 3, T, H, W); got shape '
                f'{tuple(inputs.shape)}. Its pipeline needs SampleLongVideo and '
                f"FormatShape(input_format='NCTHW').")
        b, packed, c, t = inputs.shape[:4]
        n_static = _static_frames(data_samples, t, packed)
        m = packed - n_static // t
        frame_times = _frame_times(data_samples, b, packed, t, inputs.device)
        seconds = _frame_seconds(data_samples, b, packed, t, inputs.device)
        temporal = self.encode(self.backbone, inputs[:, :m].flatten(0, 1)).view(b, m, -1)
        if n_static:
            frames = inputs[:, m:].permute(0, 1, 3, 2, 4, 5).flatten(0, 2)
            static_of = lambda per_frame: per_frame[:, m:].flatten(1)  # noqa: E731
        else:
            idx = self.static_frame_indices(t)
            frames = inputs[:, :, :, idx].permute(0, 1, 3, 2, 4, 5).flatten(0, 2)
            static_of = lambda per_frame: per_frame[:, :, idx].flatten(1)  # noqa: E731
        static_times = static_of(frame_times)
        if self.image_norm:
            pre = self.data_preprocessor
            mean = pre.mean.view(-1, 1, 1) if pre.mean is not None else 0.
            std = pre.std.view(-1, 1, 1) if pre.std is not None else 1.
            frames = (frames * std + mean - self.image_mean) / self.image_std
        static = self.encode(self.image_backbone, frames).view(b, static_times.shape[1], -1)
        feats = dict(static=static, temporal=temporal, static_times=static_times,
                     clip_times=frame_times[:, :m].mean(-1))
        if seconds is not None:
            feats.update(static_seconds=static_of(seconds), clip_seconds=seconds[:, :m].mean(-1))
        return feats

    def extract_feat(self, inputs, stage: str = 'neck', data_samples=None,
                     test_mode: bool = False, **kwargs):
        """``stage='backbone'``: the stream features (dict); otherwise the fused class token
        ``(B, embed_dim)`` for the head."""
        if isinstance(inputs, dict):
            missing = [k for k in FEATURE_KEYS if k not in inputs]
            if missing:
                raise KeyError(f'STAN: cached-feature input lacks {missing}; it needs '
                               f'{list(FEATURE_KEYS)} (written by tools/extract_features.py).')
            feats = {k: inputs[k] for k in FEATURE_KEYS + SECONDS_KEYS if k in inputs}
        else:
            feats = self.extract_stream_features(inputs, data_samples)
        if stage == 'backbone':
            return feats, {}
        return self.fuse(feats), {}

    @torch.no_grad()
    def sample_features(self, samples: Sequence[dict]) -> Dict[str, torch.Tensor]:
        """Decoded samples (test or train pipeline outputs) -> their stream features, batched
        (the data preprocessor, then :meth:`extract_stream_features`)."""
        from mmengine.dataset import pseudo_collate
        batch = self.data_preprocessor(pseudo_collate(list(samples)), False)
        feats, _ = self.extract_feat(batch['inputs'], stage='backbone',
                                     data_samples=batch['data_samples'])
        return feats

    def fuse(self, feats: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The class token (B, embed_dim) of the stream features of
        :meth:`extract_stream_features` (or of a cache)."""
        return self.fusion(feats['static'], feats['temporal'], feats['static_times'],
                           feats['clip_times'], feats.get('static_seconds'),
                           feats.get('clip_seconds'))

    @torch.no_grad()
    def segment_scores(self, feats: Dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, M, num_classes): the head's scores (as the video's: softmax, sigmoid for
        multi-label, the value for regression) for each of M equal segments of the video,
        the i-th holding clip i. Each comes from the transformer run over that segment's
        tokens only (its clip and the static frames whose time falls inside it), so it says
        what the model sees in that part of the video; the video's score attends over all
        tokens at once and is not the mean of these."""
        b, m = feats['temporal'].shape[:2]
        rows = []
        for v in range(b):
            times = feats['static_times'][v]
            segment = (times * m).long().clamp(0, m - 1)
            tokens = []
            for i in range(m):
                keep = segment == i
                part = dict(static=feats['static'][v:v + 1, keep],
                            temporal=feats['temporal'][v:v + 1, i:i + 1],
                            static_times=times[None, keep],
                            clip_times=feats['clip_times'][v:v + 1, i:i + 1])
                if 'static_seconds' in feats:
                    part.update(static_seconds=feats['static_seconds'][v:v + 1, keep],
                                clip_seconds=feats['clip_seconds'][v:v + 1, i:i + 1])
                tokens.append(self.fuse(part))
            scores = self.cls_head.average_clip(self.cls_head(torch.cat(tokens)), 1)
            rows.append(scores.reshape(m, -1))  # average_clips=None keeps a views axis
        return torch.stack(rows)

    def predict(self, inputs, data_samples, **kwargs):
        # BaseRecognizer.predict does not hand the samples (their frame times) to extract_feat
        feats, _ = self.extract_feat(inputs, data_samples=data_samples, test_mode=True)
        return self.cls_head.predict(feats, data_samples)

    def _forward(self, inputs, stage: str = 'neck', data_samples=None, **kwargs):
        feats, _ = self.extract_feat(inputs, stage=stage, data_samples=data_samples)
        if stage == 'head':
            return self.cls_head(feats)
        return feats

    def forward(self, inputs, data_samples=None, mode: str = 'tensor', **kwargs):
        if mode == 'tensor':
            return self._forward(inputs, data_samples=data_samples, **kwargs)
        return super().forward(inputs, data_samples, mode, **kwargs)


def in_clip_static_positions(clip_len: int, per_clip: int) -> list:
    """Positions in a ``clip_len``-frame clip of the frames the image backbone sees when the
    sampler takes no static frames of its own: the centres of ``per_clip`` equal parts."""
    k = min(per_clip, clip_len)
    return [int((2 * i + 1) * clip_len // (2 * k)) for i in range(k)]


def _width(backbone: nn.Module, name: str) -> int:
    dims = getattr(backbone, 'embed_dims', None) or getattr(backbone, 'out_channels', None)
    if not dims:
        raise ValueError(f'STAN {name}: cannot tell its output width (no embed_dims or '
                         f'out_channels attribute); use a UniFormer backbone.')
    return int(dims[-1])


def _static_frames(data_samples, t: int, packed: int) -> int:
    """N, the static frames packed after the clips (``SampleLongVideo(static_frames=N)``,
    the same for every sample of a batch); 0 when the samples do not say."""
    counts = {int(s.metainfo.get('static_frames') or 0) for s in (data_samples or [])}
    if len(counts) > 1:
        raise ValueError(f'STAN: the samples of one batch have different static_frames '
                         f'{sorted(counts)}; one sampler must make the whole batch.')
    n = counts.pop() if counts else 0
    if n % t or n // t >= packed:
        raise ValueError(f'STAN: static_frames={n} does not fit an input of {packed} clips of '
                         f'{t} frames (it must be a multiple of {t} leaving at least one clip).')
    return n


def _frame_seconds(data_samples, b: int, m: int, t: int, device) -> Optional[torch.Tensor]:
    """(B, M, T) time of every decoded frame in seconds (``frame_seconds`` of
    :class:`~uniformer_dense.long_video.SampleLongVideo`), or None when a sample lacks it."""
    seconds = [s.metainfo.get('frame_seconds') for s in (data_samples or [])]
    if len(seconds) != b or any(x is None for x in seconds):
        return None
    arr = np.stack([np.asarray(x, dtype=np.float32).reshape(m, t) for x in seconds])
    return torch.from_numpy(arr).to(device)


def _frame_times(data_samples, b: int, m: int, t: int, device) -> torch.Tensor:
    """(B, M, T) position of every decoded frame in its video, in [0, 1]: from the
    ``frame_times`` that :class:`~uniformer_dense.long_video.SampleLongVideo` records, else
    (no samples, e.g. ``mode='tensor'`` on a bare tensor) clips evenly spread."""
    times = [s.metainfo.get('frame_times') for s in (data_samples or [])]
    if len(times) == b and all(x is not None for x in times):
        arr = np.stack([np.asarray(x, dtype=np.float32).reshape(m, t) for x in times])
        return torch.from_numpy(arr).to(device)
    clip = (torch.arange(m, dtype=torch.float32, device=device) + .5) / m
    return clip.view(1, m, 1).expand(b, m, t)


@MODELS.register_module()
class STANHead(BaseHead):
    """Linear classifier on STAN's class token. Single-label: softmax and cross-entropy
    (MMAction2's default loss). Multi-label (``multi_class=True``, with
    ``loss_cls=dict(type='BCELossWithLogits')`` and a dataset with ``multi_class=True``):
    per-class sigmoid scores, which ``AccMetric(metric_list=('mean_average_precision',))``
    evaluates."""

    def __init__(self, num_classes: int, in_channels: int, dropout_ratio: float = 0.,
                 average_clips: Optional[str] = 'prob', **kwargs):
        super().__init__(num_classes, in_channels, average_clips=average_clips, **kwargs)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self):
        nn.init.trunc_normal_(self.fc_cls.weight, std=.02)
        nn.init.zeros_(self.fc_cls.bias)

    def forward(self, x, **kwargs):
        return self.fc_cls(self.dropout(x))

    def average_clip(self, cls_scores: torch.Tensor, num_segs: int = 1) -> torch.Tensor:
        if self.multi_class and self.average_clips == 'prob':
            b = cls_scores.shape[0]
            return cls_scores.view(b // num_segs, num_segs, -1).sigmoid().mean(1)
        return super().average_clip(cls_scores, num_segs)


@MODELS.register_module()
class STANRegressionHead(STANHead):
    """One real number per video on STAN's class token (LVU's ``like_ratio`` and
    ``view_count``): a linear layer to one output, mean squared error against the target
    (``gt_label``, a float from a ``PATH VALUE`` list); the prediction (``pred_score``) is the
    value, averaged over test views. ``RegressionMetric`` evaluates it."""

    def __init__(self, in_channels: int, dropout_ratio: float = 0., loss_weight: float = 1.,
                 **kwargs):
        super().__init__(1, in_channels, dropout_ratio, average_clips=None, topk=(1, ),
                         **kwargs)
        self.loss_weight = loss_weight

    def loss_by_feat(self, cls_scores: torch.Tensor, data_samples) -> dict:
        target = torch.stack([s.gt_label.float().reshape(-1)[0] for s in data_samples])
        return dict(loss_mse=self.loss_weight * F.mse_loss(
            cls_scores.reshape(-1), target.to(cls_scores.device)))

    def predict_by_feat(self, cls_scores: torch.Tensor, data_samples):
        values = cls_scores.reshape(len(data_samples), -1).mean(1).detach()
        for sample, value in zip(data_samples, values):
            sample.set_pred_score(value.reshape(1))
        return data_samples


@MODELS.register_module()
class STANDataPreprocessor(ActionDataPreprocessor):
    """MMAction2's preprocessor for decoded clips (normalisation for the video backbone);
    batches of cached features (dict inputs, from ``PackSTANFeatures``) are only stacked."""

    def forward(self, data, training: bool = False):
        data = self.cast_data(data)
        inputs = data.get('inputs') if isinstance(data, dict) else None
        if isinstance(inputs, dict):
            stacked = {k: torch.stack(list(v)) if isinstance(v, (list, tuple)) else v
                       for k, v in inputs.items()}
            return dict(inputs=stacked, data_samples=data.get('data_samples'))
        return super().forward(data, training)
