"""Model-zoo names for weights, and the ``zoo://NAME`` checkpoint scheme.

A config names shared weights by zoo name, ``init_cfg=dict(type='Pretrained',
checkpoint='zoo://uniformer_small_in1k')``, the same way in detection, segmentation, pose and
video configs. The name resolves to a file in the cache (``$UNIFORMER_DENSE_CACHE`` or
``~/.cache/uniformer_dense/checkpoints``), downloaded on first use.

How a file arrives (:func:`fetch`, :func:`download`):

- an entry lists one or more sources (:class:`Mirror`): the authors' Hugging Face
  repositories, OpenMMLab's re-hosted files, other public re-uploads of the same model, and
  the authors' Google Drive; they are tried in order until one gives a valid file, and if all
  fail the error lists each URL and why it failed. ``$UNIFORMER_DENSE_MIRROR`` (base URLs,
  comma-separated) puts your own mirrors first: ``BASE/FILE_NAME``;
- bytes go to ``FILE.part`` (resumed with an HTTP Range request after an interruption, with a
  progress bar) and are renamed to the final name only once they are a checkpoint: a PyTorch
  zip or pickle file that loads with safe loading (``weights_only=True``) and matches the
  SHA-256 where one is published (:attr:`Mirror.sha256`). An HTML page, a JSON error or a
  truncated body is discarded with an error saying what arrived and what to do;
- Google Drive answers large files with an HTML "can't scan this file for viruses" page and
  status 200: its confirm step is followed with ``gdown``'s parser of that page, then the
  file is fetched like any other (resume, progress bar, validation);
- every verified download is recorded (SHA-256, size, URL) in ``manifest.json`` next to the
  cached files; ``python tools/download.py --verify`` checks the cache against it;
- a cached file is checked on use (its first bytes, zip directory and recorded size): a bad
  one, e.g. an HTML page stored by an older version, is moved aside (renamed
  ``FILE.bad-DATE``, not deleted), reported, and downloaded again.

With ``UNIFORMER_DENSE_OFFLINE=1`` nothing is downloaded and a missing file is an error
naming it.

Loading (``zoo://NAME`` through MMEngine's checkpoint loader, :func:`load`) converts the
authors' formats where needed: their MMDetection 2.x / MMSegmentation 0.x files (keys
unchanged, mmcv 1.x container) and their SlowFast video files, whose classifier is re-indexed
by class name from the authors' class order to MMAction2's. The two class lists of each
dataset are fetched once like the weights (pinned commits, SHA-256 checked, see
:data:`CLASS_LISTS`).
"""
from __future__ import annotations

import dataclasses
import datetime
import errno
import hashlib
import http.client
import http.cookiejar
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .checkpoint import CheckpointError

HF = 'https://huggingface.co/Sense-X/uniformer_image/resolve/main/'
HF_VIDEO = 'https://huggingface.co/Sense-X/uniformer_video/resolve/main/'
# The first author's own Hugging Face repository (files used by the authors' demo spaces).
HF_ANDY = 'https://huggingface.co/Andy1621/uniformer/resolve/main/'
# ControlNet's annotator weights: the ADE20K UperNet UniFormer-S (global) of the authors.
HF_ANNOTATORS = 'https://huggingface.co/lllyasviel/Annotators/resolve/main/'
GDRIVE = 'https://drive.google.com/uc?export=download&id='
MMPOSE = 'https://download.openmmlab.com/mmpose/v1/projects/uniformer/'
MMACTION = 'https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'


@dataclass(frozen=True)
class Mirror:
    """One place a file can be downloaded from.

    ``sha256`` is the file's published SHA-256 at that place (Hugging Face shows it for every
    LFS file), ``sha256_prefix`` the published start of it (OpenMMLab's file names carry 8
    hex digits); a download must match them. Where neither is known, the first verified
    download records the SHA-256 in the cache's manifest.
    """
    url: str
    sha256: Optional[str] = None
    sha256_prefix: Optional[str] = None
    size: Optional[int] = None  # published size in bytes, where known (informative)
    google_drive: Optional[bool] = None  # follow Drive's confirm page; None: by host name

    @property
    def host(self) -> str:
        return host_label(self.url)

    @property
    def drive(self) -> bool:
        return is_google_drive(self.url) if self.google_drive is None else self.google_drive


def host_label(url: str) -> str:
    """Who serves ``url``, in words: 'Hugging Face Sense-X/uniformer_image', 'Google Drive'..."""
    parsed = urllib.parse.urlparse(url)
    parts = [p for p in parsed.path.split('/') if p]
    if parsed.hostname == 'huggingface.co' and len(parts) >= 2:
        return f'Hugging Face {parts[0]}/{parts[1]}'
    if is_google_drive(url):
        return 'Google Drive'
    if parsed.hostname == 'download.openmmlab.com':
        return 'OpenMMLab'
    if parsed.hostname == 'raw.githubusercontent.com' and len(parts) >= 2:
        return f'GitHub {parts[0]}/{parts[1]}'
    return parsed.netloc or url


def is_google_drive(url: str) -> bool:
    return urllib.parse.urlparse(url).hostname in ('drive.google.com', 'docs.google.com',
                                                   'drive.usercontent.google.com')


@dataclass(frozen=True)
class ZooWeights:
    """One published model: where its weights are and what the paper reports for it.

    ``url`` is the first source (with its ``sha256`` / ``sha256_prefix``: for the OpenMMLab
    pose and video files only the first 8 hex digits are published, in the file name);
    ``mirrors`` are further sources of the same model (or all of them, the first being
    ``url``), tried in order: :attr:`sources`.
    ``weights_of`` names the entry whose file a test-time variant shares (w32/h32 rows).
    ``source_format`` says how the file is laid out ('imagenet', 'mmdet2', 'mmseg0', 'mmpose1',
    'slowfast', 'mmaction'); 'mmdet2', 'mmseg0' and 'slowfast' are converted when loaded as
    ``zoo://NAME``, the last with the class lists of ``dataset`` (:data:`CLASS_LISTS`).
    Video entries (task ``'action'``) give ``flops_g`` per view and the published test views
    in ``views`` (frames x crops x clips, the authors' notation): the paper's total is their
    product.
    """
    name: str
    task: str  # 'backbone', 'det', 'seg', 'pose' or 'action'
    url: Optional[str]
    config: Optional[str] = None
    variant: Optional[str] = None  # backbone variant the weights fit
    paper: tuple = ()  # ((metric, value), ...) as the paper reports them
    params_m: Optional[float] = None  # paper
    flops_g: Optional[float] = None  # paper, multiply-accumulates
    sha256: Optional[str] = None
    sha256_prefix: Optional[str] = None
    weights_of: Optional[str] = None
    note: str = ''
    views: Optional[str] = None  # video: frames x crops x clips at test time, e.g. '16x1x4'
    mirrors: Tuple[Mirror, ...] = ()
    source_format: Optional[str] = None
    dataset: Optional[str] = None  # video: the dataset whose class lists re-index the head

    @property
    def file_name(self) -> str:
        return f'{self.weights_of or self.name}.pth'

    @property
    def num_views(self) -> Optional[int]:
        """Views per video at test time (crops x clips), for video entries."""
        if not self.views:
            return None
        _, crops, clips = (int(v) for v in self.views.split('x'))
        return crops * clips

    @property
    def sources(self) -> Tuple[Mirror, ...]:
        """Every place the file can come from, in the order they are tried."""
        if self.url is None:
            return ()
        if self.mirrors and self.mirrors[0].url == self.url:  # all listed (_with_sources)
            return tuple(self.mirrors)
        return (Mirror(self.url, self.sha256, self.sha256_prefix),) + tuple(self.mirrors)


def _gd(file_id):
    return GDRIVE + file_id


def _with_sources(entry: ZooWeights, sources: Sequence[Mirror]) -> ZooWeights:
    """``entry`` downloading from ``sources`` in that order (``url`` = the first)."""
    first = sources[0]
    return dataclasses.replace(entry, url=first.url, sha256=first.sha256,
                               sha256_prefix=first.sha256_prefix, mirrors=tuple(sources))


def _det(name, box, mask, params, flops, gid, variant, hf=()):
    entry = ZooWeights(name, 'det', _gd(gid), f'configs/det/{name}.py', variant,
                       (('box_ap', box), ('mask_ap', mask)), params, flops,
                       source_format='mmdet2',
                       note="authors' MMDetection 2.x file (keys unchanged in 3.x): loads "
                            "as zoo://NAME")
    return _with_sources(entry, (*hf, Mirror(_gd(gid)))) if hf else entry


def _seg(name, miou, ms, params, flops, gid, variant, weights_of=None, hf=()):
    paper = (('miou', miou),) + ((('ms_miou', ms),) if ms else ())
    entry = ZooWeights(name, 'seg', _gd(gid) if gid else None, f'configs/seg/{name}.py',
                       variant, paper, params, flops, weights_of=weights_of,
                       source_format='mmseg0' if gid else None,
                       note="authors' MMSegmentation 0.x file (keys unchanged in 1.x): loads "
                            "as zoo://NAME" if gid else 'no checkpoint released by the authors')
    return _with_sources(entry, (*hf, Mirror(_gd(gid)))) if hf else entry


def _pose(name, size, ap, flops, digest, variant):
    v = 'small' if variant == 'uniformer_s' else 'base'
    return ZooWeights(name, 'pose', f'{MMPOSE}top_down_{size}_global_{v}-{digest}_20230724.pth',
                      f"configs/pose/{name.replace('topdown_', 'topdown_heatmap_')}.py", variant,
                      (('keypoint_ap', ap),),
                      params_m=None, flops_g=flops, sha256_prefix=digest,
                      source_format='mmpose1',
                      note='OpenMMLab pose project (MMPose 1.x format)')


AUTHORS_VIDEO_NOTE = ("authors' SlowFast-format file (no `backbone.` prefix, `head.*`, their "
                      "class order): converted when loaded as zoo://NAME, the classifier "
                      "re-indexed by class name to MMAction2's order")


def _video(name, top1, views, total_flops, url, config=None, note=AUTHORS_VIDEO_NOTE,
           mirrors=(), **kw):
    """A video recogniser; ``total_flops`` is the paper's total over ``views``. ``url`` may
    be a sequence of :class:`Mirror` (tried in order) or one URL."""
    size = name.split('_')[2]  # uniformer_video_{s,b}_...
    dataset = re.search(r'_(k400|k600|sthv2|sthv1)', name).group(1)
    kw.setdefault('source_format', 'slowfast')
    entry = ZooWeights(name, 'action', url if isinstance(url, str) or url is None else None,
                       f'configs/video/{config or name}.py',
                       f'uniformer_video_{size}', (('top1', top1),),
                       params_m={'s': 21.4, 'b': 49.8}[size], note=note, views=views,
                       dataset=dataset, **kw)
    if url is not None and not isinstance(url, str):
        entry = _with_sources(entry, url)
    return dataclasses.replace(entry, flops_g=round(total_flops / entry.num_views, 2))


def _mmaction(name, top1, views, total_flops, file, digest):
    return _video(f'{name}_mmaction2', top1, views, total_flops,
                  f'{MMACTION}{file}_20221219-{digest}.pth', config=name, sha256_prefix=digest,
                  source_format='mmaction',
                  note="MMAction2's conversion of the authors' file and its measured top-1; "
                       "loads directly (MMAction2 class order)")


def _ss(size, frames, data, top1, top1_k600, total_flops, gid, gid_k600, hf_k600=None):
    """Something-Something from K400 (Drive) and K600 (Drive; Hugging Face where the authors
    put the file there: ``hf_k600 = (file, sha256, size)``)."""
    name = f'uniformer_video_{size}_{frames}_{data}'
    k600 = [Mirror(_gd(gid_k600))]
    if hf_k600:
        file, sha, nbytes = hf_k600
        k600.insert(0, Mirror(HF_VIDEO + file, sha, size=nbytes))
    return [_video(name, top1, f'{frames}x3x1', total_flops, _gd(gid)),
            _video(f'{name}_prek600', top1_k600, f'{frames}x3x1', total_flops, k600)]


ENTRIES = [
    # ImageNet-1K backbones every downstream model starts from (authors' release). The
    # authors' Hugging Face repository holds S and B (not B with layer scale, nor the light
    # XXS / XS, which are on their Google Drive only).
    _with_sources(ZooWeights('uniformer_small_in1k', 'backbone', None, None, 'uniformer_s',
                             (('top1', 82.9),), 22, 3.6, source_format='imagenet'), [
        Mirror(HF + 'uniformer_small_in1k.pth'),
        Mirror(HF_ANDY + 'uniformer_small_in1k.pth',
               'fd192c31f8bd77670de8f171111bd51f56fd87e6aea45043ab2edc181e1fa775', size=86314461),
        Mirror(_gd('1-uepH3Q3BhTmWU6HK-sGAGQC_MpfIiPD'))]),
    _with_sources(ZooWeights('uniformer_base_in1k', 'backbone', None, None, 'uniformer_b',
                             (('top1', 83.9),), 50, 8.3, source_format='imagenet'), [
        Mirror(HF + 'uniformer_base_in1k.pth',
               '82c01015818cb897b00a29352043053df53ce4c02c2d012226b3a8a12ccb60eb', size=199378501),
        Mirror(_gd('1-wT39QazTGELxgrQIu6J12D3qcla3hui'))]),
    ZooWeights('uniformer_base_ls_in1k', 'backbone', _gd('10FnwzMVgGL8bPO3EMZ7oG4vDvqnPoBK5'),
               None, 'uniformer_b', (('top1', 83.9),), 50, 8.3, source_format='imagenet',
               note='layer scale: build with layer_scale=1e-6'),
    ZooWeights('uniformer_xxs_in1k', 'backbone', _gd('1Cw9r_3c30N-esFI8RFYa6rQXJrr1rAHY'), None,
               'uniformer_xxs', (('top1', 80.6),), 10.2, 1.3, source_format='imagenet'),
    ZooWeights('uniformer_xs_in1k', 'backbone', _gd('1CwQ91fjuAu3Rhn3zV4vjAmQ8v36AfYPT'), None,
               'uniformer_xs', (('top1', 82.0),), 16.5, 2.0, source_format='imagenet'),
    # COCO detection (val2017).
    _det('mask_rcnn_uniformer_xxs', 42.8, 39.2, 29.4, None,
         '1CUyS-hWbpLvOXHZ35n4BZPmiCbMXt0mc', 'uniformer_xxs'),
    _det('mask_rcnn_uniformer_xs', 44.6, 40.9, 35.6, None,
         '1CRHb-W5Csy_509J4Ux62TOT7dpixdsOi', 'uniformer_xs'),
    _det('mask_rcnn_uniformer_s', 45.6, 41.6, 41, 269,
         '13KhBYkHKQg-CyhAgn1LQM1K0R4bwSpWT', 'uniformer_s_h14'),
    _det('mask_rcnn_uniformer_s_3x_ms', 48.2, 43.4, 41, 269,
         '13O6P-spXbWuXgUjLw8AyRITYTwhdOwuD', 'uniformer_s_h14',
         hf=(Mirror(HF_ANDY + 'mask_rcnn_3x_ms_hybrid_small.pth',
                    'ca5469b0889f10c82522c97ac116c78aabe8628a6fd1453a9fced62453f4986c',
                    size=164955531),)),
    _det('mask_rcnn_uniformer_b', 47.4, 43.1, 69, 399,
         '13YrVEiqFraSuX1NzdhPnhw7bFXTvEii1', 'uniformer_b_h14'),
    _det('mask_rcnn_uniformer_b_3x_ms', 50.3, 44.8, 69, 399,
         '12xyS2xqFSYMkHUiVYVGVW7gaLIxuK2q6', 'uniformer_b_h14'),
    _det('cascade_mask_rcnn_uniformer_s_3x_ms', 52.1,
         45.2, 79, 747, '13IhpRkh2hE8WfDyw-5-NXSUVZjn9DX20', 'uniformer_s_h14'),
    _det('cascade_mask_rcnn_uniformer_b_3x_ms', 53.8,
         46.4, 107, 878, '13G9wc73CmS1Kb-kVelFSDlK-ezUBadzQ', 'uniformer_b_h14'),
    # ADE20K semantic segmentation: Semantic FPN 80k.
    _seg('fpn_uniformer_xxs', 42.3, None, 13.5, None,
         '1DPakdzr6G7n8t3_ZAFCx8wFX1r5h_V7-', 'uniformer_xxs'),
    _seg('fpn_uniformer_xs', 44.4, None, 19.7, None,
         '1Dj3GiQLK7YZPKSgz_Uk8JL1J66XEvw0Y', 'uniformer_xs'),
    _seg('fpn_uniformer_s_h14', 46.3, None, 25, 172, None,
         'uniformer_s_h14'),
    _seg('fpn_uniformer_b_h14', 47.0, None, 54, 328,
         '14XokJDp1oYDV9jZnniMXyk3AnVfk1S1-', 'uniformer_b_h14'),
    _seg('fpn_uniformer_s_global', 46.6, None, 25, 247,
         '14bEsZqMw35tmDgrvYA_dRMsSC0Z4TX2Y', 'uniformer_s'),
    _seg('fpn_uniformer_s_w32', 45.6, None, 25, 183,
         '14bEsZqMw35tmDgrvYA_dRMsSC0Z4TX2Y', 'uniformer_s', 'fpn_uniformer_s_global'),
    _seg('fpn_uniformer_s_h32', 46.2, None, 25, 199,
         '14bEsZqMw35tmDgrvYA_dRMsSC0Z4TX2Y', 'uniformer_s', 'fpn_uniformer_s_global'),
    _seg('fpn_uniformer_b_global', 48.0, None, 54, 471,
         '14dLoIcAUWjyo1d5XXuo1yb2jcslt_t4P', 'uniformer_b'),
    _seg('fpn_uniformer_b_w32', 47.0, None, 54, 310,
         '14dLoIcAUWjyo1d5XXuo1yb2jcslt_t4P', 'uniformer_b', 'fpn_uniformer_b_global'),
    _seg('fpn_uniformer_b_h32', 47.7, None, 54, 350,
         '14dLoIcAUWjyo1d5XXuo1yb2jcslt_t4P', 'uniformer_b', 'fpn_uniformer_b_global'),
    # ADE20K: UperNet 160k (single-scale / multi-scale + flip). The S global model is also
    # the one ControlNet's annotators republish (the same SHA-256 on both Hugging Face copies).
    _seg('upernet_uniformer_s_h14', 46.9, 48.0, 52, 947, None,
         'uniformer_s_h14'),
    _seg('upernet_uniformer_b_h14', 48.9, 50.0, 80, 1085, None,
         'uniformer_b_h14'),
    *[_seg(name, miou, ms, 52, flops, '13hOneJiFqwEneUz1Zpqo1W2uv7BsoXGF', 'uniformer_s',
           weights_of, hf=tuple(Mirror(
               base + 'upernet_global_small.pth',
               'bebfa1264c10381e389d8065056baaadbdadee8ddc6e36770d1ec339dc84d970', size=206313115)
               for base in (HF_ANNOTATORS, HF_ANDY)))
      for name, miou, ms, flops, weights_of in [
          ('upernet_uniformer_s_global', 47.6, 48.5, 1004, None),
          ('upernet_uniformer_s_w32', 46.6, 48.4, 939, 'upernet_uniformer_s_global'),
          ('upernet_uniformer_s_h32', 47.0, 48.5, 955, 'upernet_uniformer_s_global')]],
    _seg('upernet_uniformer_b_global', 50.0, 50.8, 80, 1227,
         '14bEgmFbTijBoTKTwny_aCJlARs6z31mP', 'uniformer_b'),
    _seg('upernet_uniformer_b_w32', 49.1, 50.6, 80, 1066,
         '14bEgmFbTijBoTKTwny_aCJlARs6z31mP', 'uniformer_b', 'upernet_uniformer_b_global'),
    _seg('upernet_uniformer_b_h32', 49.5, 50.7, 80, 1106,
         '14bEgmFbTijBoTKTwny_aCJlARs6z31mP', 'uniformer_b', 'upernet_uniformer_b_global'),
    # COCO keypoints, top-down heatmaps (person detector with 56 AP).
    _pose('topdown_uniformer_s_256x192', '256x192', 74.0, 4.7, 'd4a7fdac', 'uniformer_s'),
    _pose('topdown_uniformer_s_384x288', '384x288', 75.9, 11.1, '7a613f78', 'uniformer_s'),
    _pose('topdown_uniformer_s_448x320', '448x320', 76.2, 14.8, '18b760de', 'uniformer_s'),
    _pose('topdown_uniformer_b_256x192', '256x192', 75.0, 9.2, '1713bcd4', 'uniformer_b'),
    _pose('topdown_uniformer_b_384x288', '384x288', 76.7, 14.8, 'c650da38', 'uniformer_b'),
    _pose('topdown_uniformer_b_448x320', '448x320', 77.4, 29.6, 'a05c185f', 'uniformer_b'),
    # Kinetics-400 (4 clips x 1 crop). Hugging Face first where the authors put the file there.
    _video('uniformer_video_s_8x8_k400', 78.4, '8x1x4', 70,
           _gd('1-kitVTkWErHXI_x-sLItvK9-sOmb53j6')),
    _video('uniformer_video_s_16x4_k400', 80.8, '16x1x4', 167,
           _gd('1-jGZIIuTM5IYIpqkNTojhGhfMc7Gu9Kt')),
    _video('uniformer_video_s_16x8_k400', 80.8, '16x1x4', 167, [
        Mirror(HF_VIDEO + 'uniformer_small_k400_16x8.pth',
               'd5fd7b0c49ee6a5422ef5d0c884d962c742003bfbd900747485eb99fa269d0db', size=85735325),
        Mirror(HF_ANDY + 'uniformer_small_k400_16x8.pth',
               'd5fd7b0c49ee6a5422ef5d0c884d962c742003bfbd900747485eb99fa269d0db', size=85735325),
        Mirror(_gd('174muWZJcZHieABDZMKiJ0tNeFLoEkJLx'))]),
    _video('uniformer_video_s_32x4_k400', 82.0, '32x1x4', 438, None,
           note='no checkpoint released by the authors'),
    _video('uniformer_video_b_8x8_k400', 79.8, '8x1x4', 161,
           _gd('1hBxGU-QE8hGRBjSNCymJ7Au06LhluvTv')),
    _video('uniformer_video_b_16x4_k400', 82.0, '16x1x4', 387, [
        Mirror(HF_ANDY + 'uniformer_base_k400_16x4.pth',
               'a36e08ecff0a2b11020d6e88046353f80fdeb10b40fe167f2fbc0c1d976fb873', size=199525573),
        Mirror(_gd('15ipzFaZdTt-aHv7jcr_h_vgYD2X7D6AD'))]),
    # not in the authors' Hugging Face repository (which has B 32x4 instead): Drive only
    _video('uniformer_video_b_16x8_k400', 81.7, '16x1x4', 387,
           _gd('1VoZcpFZbk9lEyRQ7gqRgT4CsnVt9g7uk')),
    _video('uniformer_video_b_32x4_k400', 82.9, '32x1x4', 1036, [
        Mirror(HF_VIDEO + 'uniformer_base_k400_32x4.pth',
               'b432450566cdc4f50222e4851b5d304bba4444a699cdbb43fa529ceb18ae1f8e', size=199525573),
        Mirror(_gd('1gHxx8cr1H0CNvngj1kB9ArgcPfJtqjCV'))]),
    _mmaction('uniformer_video_s_16x4_k400', 80.9, '16x1x4', 167,
              'uniformer-small_imagenet1k-pre_16x4x1_kinetics400-rgb', 'c630a037'),
    _mmaction('uniformer_video_b_16x4_k400', 82.0, '16x1x4', 387,
              'uniformer-base_imagenet1k-pre_16x4x1_kinetics400-rgb', '157c2e66'),
    _mmaction('uniformer_video_b_32x4_k400', 83.1, '32x1x4', 1036,
              'uniformer-base_imagenet1k-pre_32x4x1_kinetics400-rgb', 'b776322c'),
    # Kinetics-600 (4 clips x 1 crop).
    _video('uniformer_video_s_16x4_k600', 82.8, '16x1x4', 167,
           _gd('1-dqzjm5RZVspWHQLRD4S1vo4_6jyVltb')),
    _video('uniformer_video_s_16x8_k600', 82.7, '16x1x4', 167, [
        Mirror(HF_VIDEO + 'uniformer_small_k600_16x8.pth',
               '2a9143a63691c442b23f912ed3489e5800fc5916fb7aa1b25322ad5da2466c6f', size=86145693),
        Mirror(_gd('1-c835NJjg_015WxLBQF-1cPdQsyWMWfY'))]),
    _video('uniformer_video_b_16x4_k600', 84.0, '16x1x4', 387,
           _gd('1nBQCBCsCflhZ4OGUoGB3pAkc_GDau7vd')),
    _video('uniformer_video_b_16x8_k600', 83.4, '16x1x4', 387,
           _gd('1aidHdSd-h65-_EUkfNOdMMw0ZB8G5maY')),
    # The released multi-node run; the paper reports 84.8.
    _video('uniformer_video_b_32x4_k600', 84.5, '32x1x4', 1036, [
        Mirror(HF_VIDEO + 'uniformer_base_k600_32x4.pth',
               'd44685e1d12e5aa413032e7719a8be45b95a19da4e7f76ac0e811f9a6f4825ae', size=199935941),
        Mirror(_gd('1-DwdVf8w8lYj-iFpU40pfEpog9VE5PQB'))]),
    # Something-Something V2 / V1 (1 clip x 3 crops), from the Kinetics-400 16x4 models and
    # (prek600) from the Kinetics-600 ones.
    *_ss('s', 16, 'sthv2', 67.7, 69.4, 125, '1-Wq22024HB7tT8kPX6eSMn2GUNMI-_gY',
         '1-V1mQp4fIIYhaXUWCgZXkJ0H6ne0Z8rz', hf_k600=(
             'uniformer_small_sthv2_16_prek600.pth',
             '6b085f96980edf491386893902a5a304a63f4da395d528bcdeef6e7464bd160f', 85271581)),
    *_ss('s', 32, 'sthv2', 69.0, 70.4, 329, '1-5Q5S-NRmHFkIBygaRYpJLT7aI9cpmky',
         '1-1K5R3Ed4t8d_DZnJ62xysIt1dBNmx96'),
    *_ss('b', 16, 'sthv2', 70.4, 70.2, 290, '1s78JBpnykyJ7pYEGRDK8BZL9seIRIUlC',
         '16nCBGWzMM8n8Vr_EY0UmvgzLG0S_QYef'),
    *_ss('b', 32, 'sthv2', 71.1, 71.2, 777, '1-rpMARXnyvyj6YUJkIvVqtna86egpjoS',
         '1-lkRB3546l_ECuObN_IrHws1C9a-qKPr', hf_k600=(
             'uniformer_base_sthv2_32_prek600.pth',
             'b7a74408ed230e9671d30da2f596bef84900aaaa325a5793f6cb3ba25f721eae', 199061829)),
    *_ss('s', 16, 'sthv1', 57.2, 57.6, 125, '1-bdFsmXt2Ztf43lrVgmqS8_VYJ8tub6J',
         '1-YbYGjM15MDtQnrmCeZ9H2ybNdYTFkgO', hf_k600=(
             'uniformer_small_sthv1_16_prek600.pth',
             '9a4dbb1e6e2adeb817959edcfbd43cdbb41c7e5c1393f6a3335d0a089d4ba424', None)),
    *_ss('s', 32, 'sthv1', 58.8, 59.9, 329, '1-Y5ADssqM2C8o_1jix48fQM788mVGWQ3',
         '1-XEgaGqXGp1EGzFl63ctApnvU54X27WP'),
    *_ss('b', 16, 'sthv1', 59.1, 58.8, 290, '1uMq4W5lf17vOHUmccNjYLeTMqaWHSh6v',
         '1xpiL8zEDWYHFR55gOsbQiI41YEjTD89J'),
    *_ss('b', 32, 'sthv1', 60.9, 61.0, 777, '18A3FuUUbdQ8ehMQ0D78qTTtm6YmIVWaO',
         '1xE1aJYAYFOlXOkpiIbJFHu_jSrr8reKm', hf_k600=(
             'uniformer_base_sthv1_32_prek600.pth',
             '8da7f948d7fcc72444dd3783ff12fb18e997d78acc3d70135d14687433448090', 199061829)),
]
WEIGHTS = {e.name: e for e in ENTRIES}


# ---------------------------------------------------------------- class lists (video)
@dataclass(frozen=True)
class ClassListFile:
    """A class-name file fetched like the weights (cached, SHA-256 checked)."""
    file_name: str
    url: str
    sha256: str


_AUTHORS_LISTS = ('https://raw.githubusercontent.com/Sense-X/UniFormer/'
                  '52a0415e4e0dda880fab8ffbc710e4d8e171149d/video_classification/data_list/')
_MMACTION_LISTS = ('https://raw.githubusercontent.com/open-mmlab/mmaction2/'
                   '4d6c93474730cad2f25e51109adcf96824efc7a3/tools/data/')
# dataset -> (the authors' list(s): their classifier's row order, MMAction2's label map: the
# order of MMAction2's annotation files, which the video configs read). Both from pinned
# commits; the authors' Kinetics-600 order is split over two 'name index' files.
CLASS_LISTS: Dict[str, Tuple[Tuple[ClassListFile, ...], ClassListFile]] = {
    'k400': ((ClassListFile('k400_authors.txt', _AUTHORS_LISTS + 'k400/kinetics_400_categroies.txt',
                            '903552632974b59d4d1beda96f7bb2829602bfeca1b3fdd5eb4bec3c5a12c1df'),),
             ClassListFile('k400_mmaction2.txt', _MMACTION_LISTS + 'kinetics/label_map_k400.txt',
                           'e9f2806fe9109b851a80a74841244f6f8c9d10917fa0229cd82bab67f2f8e28f')),
    'k600': ((ClassListFile('k600_authors_common.txt',
                            _AUTHORS_LISTS + 'k600/k600_common_category.list',
                            'c2781b3114ae3712bcddfdf9dc03a469a45a4eed051f28bfc90d1d4105816ccf'),
              ClassListFile('k600_authors_special.txt',
                            _AUTHORS_LISTS + 'k600/k600_special_category.list',
                            '3eaae093d2168251927fc304a1616bfbee39abfcec2eb7639ef7424f3ec2da0c')),
             ClassListFile('k600_mmaction2.txt', _MMACTION_LISTS + 'kinetics/label_map_k600.txt',
                           '8dfca4202520ea8291ce0242ef33b006d0a0772b409663c090a2876bc1978dcf')),
    'sthv2': ((ClassListFile('sthv2_authors.txt', _AUTHORS_LISTS + 'sthv2/category.txt',
                             '69e3250da0efa78db88e84b1beb181b2630c9ec3f6254b4d9dfe275bb09e1326'),),
              ClassListFile('sthv2_mmaction2.txt', _MMACTION_LISTS + 'sthv2/label_map.txt',
                            'c9c5a86ece619e1ab2e7ca0614c85377a534873e17108b13243e5d22089a0a85')),
    'sthv1': ((ClassListFile('sthv1_authors.txt', _AUTHORS_LISTS + 'sthv1/category.txt',
                             'a31a2ad624a558d609762c50f4d5d4778246d3ace6717cf24b993b0bf2d9a68b'),),
              ClassListFile('sthv1_mmaction2.txt', _MMACTION_LISTS + 'sthv1/label_map.txt',
                            '5465813d437e762ccee1d2090d585d6383665e9f0216e055d6d506993a8b3fd7')),
}


class ZooError(CheckpointError):
    """A download or cache problem; the message says what happened and what to do. A kind
    of :class:`~uniformer_dense.checkpoint.CheckpointError` (a checkpoint that cannot be
    had), so the loader reports it without importing this module."""

    def __init__(self, message: str, storage: bool = False):
        super().__init__(message)
        self.storage = storage  # the disk, not the source, is at fault: no mirror helps


def cache_dir() -> Path:
    root = os.environ.get('UNIFORMER_DENSE_CACHE')
    return Path(root) if root else Path.home() / '.cache' / 'uniformer_dense' / 'checkpoints'


def manifest_path() -> Path:
    return cache_dir() / 'manifest.json'


def offline() -> bool:
    return os.environ.get('UNIFORMER_DENSE_OFFLINE', '').lower() in ('1', 'true', 'yes')


def user_mirrors() -> List[str]:
    """Base URLs of ``$UNIFORMER_DENSE_MIRROR`` (comma- or space-separated), tried first."""
    raw = os.environ.get('UNIFORMER_DENSE_MIRROR', '')
    return [u if u.endswith('/') else u + '/' for u in re.split(r'[,\s]+', raw) if u]


def get_entry(name: str) -> ZooWeights:
    if name not in WEIGHTS:
        raise ZooError(f'Unknown model-zoo name {name!r}. Known weights: {sorted(WEIGHTS)}.')
    return WEIGHTS[name]


def imagenet_entry(variant: str) -> ZooWeights:
    """The ImageNet-1K file a backbone ``variant`` starts from (h14/w32/h32 variants share
    their global variant's weights: the attention window has no parameters)."""
    base = re.sub(r'_(h14|w32|h32)$', '', variant)
    for entry in ENTRIES:
        if entry.task == 'backbone' and entry.variant == base:
            return entry
    raise ZooError(f'No ImageNet-1K weights in the model zoo for variant {variant!r}.')


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- what a file is
def _is_zip_checkpoint(path: Path) -> Optional[str]:
    """None if ``path`` is a complete zip archive holding a PyTorch pickle, else why not."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        return (f'a zip archive without its end record ({exc}): the transfer was cut short '
                f'or the file is damaged')
    if not any(n.endswith('data.pkl') for n in names):
        return f'a zip archive but not a PyTorch checkpoint (no data.pkl among {names[:5]})'
    return None


def describe_bytes(head: bytes, content_type: str = '') -> str:
    """What some bytes are, in words, for messages: 'an HTML page', 'a JSON document'..."""
    text = head.lstrip()[:64].lower()
    if text.startswith((b'<!doctype html', b'<html')) or b'<html' in head[:1024].lower() \
            or 'html' in content_type:
        what = 'an HTML page'
    elif text.startswith((b'{', b'[')) or 'json' in content_type:
        what = 'a JSON document'
    elif head.startswith(b'PK\x03\x04'):
        what = 'a zip archive'
    elif head[:1] == b'\x80' and head[1:2] in (b'\x02', b'\x03', b'\x04', b'\x05'):
        what = 'a pickle'
    elif not head:
        what = 'no bytes at all'
    else:
        try:
            head[:256].decode('utf-8')
            what = 'text'
        except UnicodeDecodeError:
            what = 'unknown binary data'
    snippet = head[:80].decode('utf-8', 'replace').replace('\n', ' ').strip()
    ctype = f'Content-Type {content_type}, ' if content_type else ''
    return f'{what} ({ctype}starting {snippet!r})' if head else what


def checkpoint_problem(path: Path) -> Optional[str]:
    """Cheap check that ``path`` is a PyTorch checkpoint file (zip with its directory, or a
    pickle); returns why not, or None. Does not unpickle anything."""
    size = path.stat().st_size
    with open(path, 'rb') as f:
        head = f.read(1024)
    if head.startswith(b'PK\x03\x04'):
        return _is_zip_checkpoint(path)
    if head[:1] == b'\x80' and head[1:2] in (b'\x02', b'\x03', b'\x04', b'\x05'):
        return None  # torch's legacy (non-zip) format: a pickle stream
    return f'not a PyTorch checkpoint but {describe_bytes(head)}, {size} bytes'


def _safe_torch_load(path: Path, map_location=None):
    """``torch.load(weights_only=True)`` with this package's allow-list in force: it is set
    again each time, because ``torch.serialization.safe_globals`` contexts of other libraries
    (timm's checkpoint loader) remove the types they name on exit, ours included."""
    import torch

    from .checkpoint import allow_mmengine_checkpoint_types
    allow_mmengine_checkpoint_types()
    return torch.load(path, map_location=map_location, weights_only=True)


def torch_error_line(exc: Exception) -> str:
    """The informative line of a ``torch.load`` error (its first lines are boilerplate)."""
    lines = [ln.strip() for ln in re.sub(r'\x1b\[[0-9;]*m', '', str(exc)).splitlines()
             if ln.strip()]
    for line in lines:
        if 'Unsupported global' in line or 'WeightsUnpickler error' in line:
            line = line.replace('WeightsUnpickler error: ', '')
            return line.split(' was not an allowed global')[0] + ' is not allowed'
    return (lines[0] if lines else '')[:300]


def safe_load_problem(path: Path) -> Optional[str]:
    """Whether ``path`` loads with safe unpickling (``weights_only=True``) as a dict."""
    try:
        obj = _safe_torch_load(path, 'cpu')
    except Exception as exc:  # torch raises many types for damaged or unsafe files
        return (f'it does not load with safe loading (weights_only=True): '
                f'{type(exc).__name__}: {torch_error_line(exc)}')
    if not isinstance(obj, dict):
        return f'it holds a {type(obj).__name__}, not a dict of weights'
    return None


# ---------------------------------------------------------------- manifest
def read_manifest() -> dict:
    path = manifest_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        return dict(data.get('files', {}))
    except (ValueError, OSError, AttributeError):
        return {}


def _write_manifest(files: dict) -> None:
    path = manifest_path()
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    tmp.write_text(json.dumps(dict(version=1, files=files), indent=1, sort_keys=True) + '\n')
    os.replace(tmp, path)


def record(file_name: str, sha256: str, size: int, url: str, how: str = 'downloaded') -> None:
    """Note a verified file in the manifest (re-read first: another process may write too)."""
    files = read_manifest()
    files[file_name] = dict(sha256=sha256, size=size, url=url, how=how,
                            recorded=datetime.datetime.now(datetime.timezone.utc)
                            .strftime('%Y-%m-%dT%H:%M:%SZ'))
    try:
        _write_manifest(files)
    except OSError as exc:  # the file itself is fine; say why it is not recorded
        print(f'warning: could not record {file_name} in {manifest_path()}: {exc}',
              file=sys.stderr)


def forget(file_name: str) -> None:
    files = read_manifest()
    if files.pop(file_name, None) is not None:
        try:
            _write_manifest(files)
        except OSError:
            pass


def move_aside(path: Path, reason: str) -> Path:
    """Rename a bad cached file to ``NAME.bad-DATE`` (kept for inspection), say so."""
    stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    aside = path.with_name(f'{path.name}.bad-{stamp}')
    n = 1
    while aside.exists():
        aside = path.with_name(f'{path.name}.bad-{stamp}-{n}')
        n += 1
    os.replace(path, aside)
    forget(path.name)
    print(f'uniformer_dense: the cached file {path} is unusable: {reason}. It was moved aside '
          f'to {aside} (delete it when you no longer need it).', file=sys.stderr)
    return aside


def cached_problem(path: Path) -> Optional[str]:
    """Why the cached ``path`` cannot be used (checked on every use, cheaply), or None."""
    problem = checkpoint_problem(path)
    if problem:
        return problem
    rec = read_manifest().get(path.name)
    size = path.stat().st_size
    if rec and rec.get('size') is not None and rec['size'] != size:
        return (f'it has {size} bytes, not the {rec["size"]} recorded in {manifest_path()} '
                f'when it was downloaded from {rec.get("url")}')
    return None


# ---------------------------------------------------------------- one download
@dataclass
class _Page:
    """A response that is not the file: kept to follow Drive's confirm step or to report."""
    status: int
    content_type: str
    body: bytes
    url: str


def _opener():
    # one cookie jar per download: Google Drive's confirm step may set cookies
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _looks_like_page(head: bytes, content_type: str, kind: str) -> bool:
    ctype = content_type.lower()
    if kind == 'text':
        return 'html' in ctype or head.lstrip()[:15].lower().startswith((b'<!doctype', b'<html'))
    if head.startswith(b'PK\x03\x04') or (head[:1] == b'\x80' and head[1:2] in b'\x02\x03\x04\x05'):
        return False
    return True


PAGE_LIMIT = 2 << 20  # bytes of a non-file answer kept (Drive's pages are ~3 KB)


def _transfer(opener, url: str, part: Path, timeout: float, progress: bool, label: str,
              kind: str):
    """GET ``url`` into ``part`` (resuming it with Range); returns None when the body was
    written, or a :class:`_Page` when the answer is not the file (nothing written)."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={'Range': f'bytes={have}-'} if have else {})
    try:
        resp = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            return None
        body = b''
        try:
            body = exc.read(4096)
        except Exception:
            pass
        what = f'; the server sent {describe_bytes(body, exc.headers.get("Content-Type", ""))}' \
            if body else ''
        raise ZooError(f'HTTP {exc.code} {exc.reason}{what}') from exc
    with resp:
        content_type = resp.headers.get('Content-Type', '') or ''
        resumed = bool(have) and resp.status == 206
        head = resp.read(1 << 16) if not resumed else b''
        if resumed:
            if 'html' in content_type.lower() or 'json' in content_type.lower():
                return _Page(resp.status, content_type, resp.read(PAGE_LIMIT), resp.geturl())
        elif _looks_like_page(head, content_type, kind):
            return _Page(resp.status, content_type, head + resp.read(PAGE_LIMIT - len(head)),
                         resp.geturl())
        total = resp.headers.get('Content-Length')
        total = int(total) + (have if resumed else 0) if total else None
        try:
            with open(part, 'ab' if resumed else 'wb') as out, _progress(
                    progress, total, have if resumed else 0, label) as bar:
                out.write(head)
                bar.update(len(head))
                while True:
                    chunk = resp.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
                    bar.update(len(chunk))
        except OSError as exc:
            if exc.errno in STORAGE_ERRNOS:
                raise ZooError(_storage_message(exc, part, url), storage=True) from exc
            raise _interrupted(url, part, total, exc) from exc
        except (http.client.HTTPException, ConnectionError, TimeoutError) as exc:
            raise _interrupted(url, part, total, exc) from exc
        if total is not None and part.stat().st_size < total:
            raise _interrupted(url, part, total, None)
    return None


def _interrupted(url, part: Path, total, exc) -> ZooError:
    got = part.stat().st_size if part.exists() else 0
    of = f' of {total}' if total else ''
    cause = f' ({type(exc).__name__}: {exc})' if exc is not None else ' (connection closed)'
    return ZooError(f'the transfer stopped after {got}{of} bytes{cause}. The partial file '
                    f'{part} is kept: run the same command again to resume')


def _drive_confirm_url(page: _Page, url: str) -> str:
    """The URL behind Google Drive's "can't scan this file for viruses" page, read with
    gdown's parser of that page; Drive's own error (quota, permission) otherwise."""
    try:
        from gdown.download import get_url_from_gdrive_confirmation
        from gdown.exceptions import FileURLRetrievalError
    except ImportError as exc:
        raise ZooError(f'Google Drive answered {url} with its confirm page; following it needs '
                       f'the gdown package (pip install "gdown>=5.2,<7"): {exc}') from exc
    text = page.body.decode('utf-8', 'replace')
    try:
        return get_url_from_gdrive_confirmation(text)
    except FileURLRetrievalError as exc:
        reason = re.sub(r'<[^>]+>', '', str(exc)).strip()
        raise ZooError(
            f'Google Drive did not give the file: "{reason}" (its page: '
            f'{describe_bytes(page.body, page.content_type)}). Drive limits how often a shared '
            f'file can be downloaded; try again in a day, use another mirror, or download it '
            f'in a browser and pass the file instead') from exc


def _download(url: str, dest: Path, sha256: Optional[str] = None,
              sha256_prefix: Optional[str] = None, timeout: float = 60, progress: bool = True,
              kind: str = 'checkpoint', drive: Optional[bool] = None,
              part: Optional[Path] = None) -> Tuple[Path, str, int]:
    """:func:`download`; returns ``(dest, sha256, size)``."""
    dest = Path(dest)
    part = Path(part) if part else dest.with_name(dest.name + '.part')
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ZooError(_storage_message(exc, dest.parent, url), storage=True) from exc
    drive = is_google_drive(url) if drive is None else drive
    opener = _opener()
    target, hops = url, 0
    try:
        while True:
            page = _transfer(opener, target, part, timeout, progress, dest.name, kind)
            if page is None:
                break
            if drive and hops < 2 and 'html' in (page.content_type.lower() or 'html'):
                target, hops = _drive_confirm_url(page, url), hops + 1
                continue
            raise ZooError(
                f'{target} answered HTTP {page.status} with '
                f'{describe_bytes(page.body, page.content_type)}, {len(page.body)} bytes, '
                f'instead of the file. Nothing was stored under {dest}. '
                + (f"Google Drive's confirm step led nowhere; " if drive else '')
                + 'The link may be dead or need a login; try another mirror, or download the '
                  f'file in a browser and pass its path')
    except ZooError:
        raise
    except urllib.error.URLError as exc:
        raise ZooError(f'cannot reach {target}: {exc.reason}') from exc
    except OSError as exc:
        if exc.errno in STORAGE_ERRNOS:
            raise ZooError(_storage_message(exc, part, url), storage=True) from exc
        raise ZooError(f'cannot reach {target}: {exc}') from exc
    except http.client.HTTPException as exc:
        raise ZooError(f'{target} broke the HTTP exchange: {type(exc).__name__}: {exc}') from exc

    problem, got = _verify(part, kind, sha256, sha256_prefix)
    if problem:
        size = part.stat().st_size
        part.unlink()
        raise ZooError(f'{url} sent {size} bytes that are {problem}. The download was '
                       f'discarded; {dest} was not touched')
    size = part.stat().st_size
    os.replace(part, dest)
    return dest, got, size


def _verify(part: Path, kind: str, sha256, sha256_prefix) -> Tuple[Optional[str], str]:
    """(why ``part`` is not acceptable or None, its SHA-256)."""
    if kind == 'checkpoint':
        problem = checkpoint_problem(part)
        if problem:
            return problem, ''
    else:
        head = part.read_bytes()[:4096]
        if _looks_like_page(head, '', 'text'):
            return f'not a text file but {describe_bytes(head)}', ''
    got = sha256_of(part)
    if (sha256 and got != sha256) or (sha256_prefix and not got.startswith(sha256_prefix)):
        return (f'not the published file (Checksum mismatch: expected SHA-256 '
                f'{sha256 or sha256_prefix + "..."}, got {got})'), got
    if kind == 'checkpoint':
        problem = safe_load_problem(part)
        if problem:
            return f'a PyTorch file but {problem}', got
    return None, got


def download(url: str, dest: Path, sha256: Optional[str] = None,
             sha256_prefix: Optional[str] = None, timeout: float = 60,
             progress: bool = True, kind: str = 'checkpoint', drive: Optional[bool] = None,
             part: Optional[Path] = None) -> Path:
    """Fetch one file ``url`` to ``dest`` through ``dest.part``, as the zoo does.

    A partial ``.part`` left by an interrupted run is resumed with an HTTP Range request.
    Google Drive's confirm page is followed (``drive``: None decides by the host name).
    The result is renamed to ``dest`` only when it is a checkpoint (``kind='checkpoint'``: a
    PyTorch zip or pickle that loads with safe loading) or text (``kind='text'``) and matches
    ``sha256`` / ``sha256_prefix`` when given; otherwise it is discarded and an existing
    ``dest`` is left untouched.
    """
    try:
        return _download(url, dest, sha256, sha256_prefix, timeout, progress, kind, drive,
                         part)[0]
    except ZooError as exc:
        if str(exc).startswith(('Download of', 'Cannot write')):
            raise
        raise ZooError(f'Download of {url} failed: {exc}.', storage=exc.storage) from exc


# Errors of the disk rather than the network: the message then says where to make room.
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES,
                  errno.EPERM)


def _storage_message(exc: OSError, path: Path, url: str) -> str:
    kept = ''
    if path.name.endswith('.part') and path.exists():
        kept = (f' The {path.stat().st_size} bytes already written stay in {path}; run again '
                f'to resume once there is room.')
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        cause = 'the disk (or quota) is full'
        fix = 'free space there, or point UNIFORMER_DENSE_CACHE at a disk with room'
    else:
        cause = 'the location is not writable'
        fix = ('point UNIFORMER_DENSE_CACHE at a writable directory, or download elsewhere '
               'with `python tools/download.py NAME --cache-dir DIR` and copy the file into '
               'the cache')
    return (f'Cannot write {path} while downloading {url}: {cause} ({exc.strerror or exc}). '
            f'To fix: {fix}.{kept}')


def _progress(enabled: bool, total, initial: int, name: str):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit='B', unit_scale=True, desc=name,
                disable=not enabled, leave=False)


# ---------------------------------------------------------------- an entry's file
def _part_of(dest: Path, index: int) -> Path:
    """The partial file of source ``index``: each source resumes only its own bytes."""
    return dest.with_name(dest.name + ('.part' if index == 0 else f'.{index}.part'))


def fetch(name_or_entry, dest: Optional[Path] = None, progress: bool = True,
          sources: Optional[Sequence[Mirror]] = None) -> Path:
    """Download an entry's file from its sources in order (``$UNIFORMER_DENSE_MIRROR``
    first), keep the first valid one, record it in the manifest."""
    entry = get_entry(name_or_entry) if isinstance(name_or_entry, str) else name_or_entry
    dest = Path(dest) if dest else cache_dir() / entry.file_name
    if sources is None:
        sources = [Mirror(base + entry.file_name) for base in user_mirrors()] + list(entry.sources)
    if not sources:
        raise ZooError(f'{entry.name!r}: the authors released no checkpoint for this model '
                       f'({entry.note}); train it with {entry.config}.')
    rec = read_manifest().get(dest.name)
    failures = []
    for index, source in enumerate(sources):
        sha = source.sha256
        if not sha and not source.sha256_prefix and rec and rec.get('url') == source.url:
            sha = rec.get('sha256')  # the same URL must give the same file as last time
        try:
            path, got, size = _download(source.url, dest, sha, source.sha256_prefix,
                                        progress=progress, drive=source.drive,
                                        part=_part_of(dest, index))
        except ZooError as exc:
            if exc.storage:
                raise
            failures.append((source, str(exc)))
            if index + 1 < len(sources):
                print(f'uniformer_dense: {source.url} failed ({exc}); trying the next source',
                      file=sys.stderr)
            continue
        for other in range(len(sources)):
            if other != index and _part_of(dest, other).exists():
                _part_of(dest, other).unlink()
        record(dest.name, got, size, source.url)
        return path
    lines = '\n'.join(f'  {i}. {s.url} ({s.host}): {why}.'
                      for i, (s, why) in enumerate(failures, 1))
    which = 'its only source' if len(failures) == 1 else f'all {len(failures)} sources'
    raise ZooError(
        f'Could not download {entry.name!r} ({dest.name}): {which} failed:\n{lines}\n'
        f'What to do: run the command again later (an interrupted transfer resumes); set '
        f'UNIFORMER_DENSE_MIRROR to a base URL that serves {dest.name}; or get the file by '
        f'hand from one of the URLs above and put it at {dest} (a later '
        f'`python tools/download.py --verify` checks it).')


def resolve(name: str, progress: bool = True) -> Path:
    """Local path of zoo weights ``name``, downloading them if needed.

    A cached file that is not a checkpoint (e.g. an HTML page an older version stored) is
    moved aside and downloaded again."""
    entry = get_entry(name)
    if entry.url is None and not user_mirrors():
        raise ZooError(f'{name!r}: the authors released no checkpoint for this model '
                       f'({entry.note}); train it with {entry.config}.')
    path = cache_dir() / entry.file_name
    aside = None
    if path.exists():
        problem = cached_problem(path)
        if problem is None:
            return path
        aside = move_aside(path, problem)
    if offline():
        again = f' (the cached copy was bad and was moved to {aside})' if aside else ''
        raise ZooError(f'{name!r} is not in the cache ({path}){again} and '
                       f'UNIFORMER_DENSE_OFFLINE is set: download it first with '
                       f'`python tools/download.py {name}` or copy the file there.')
    return fetch(entry, path, progress)


def class_list_files(dataset: str, progress: bool = False) -> Tuple[List[Path], Path]:
    """Local copies of ``dataset``'s class lists: (the authors' file(s), MMAction2's)."""
    if dataset not in CLASS_LISTS:
        raise ZooError(f'No class lists for dataset {dataset!r}; known: {sorted(CLASS_LISTS)}.')
    authors, mmaction = CLASS_LISTS[dataset]
    paths = []
    for item in (*authors, mmaction):
        path = cache_dir() / 'class_lists' / item.file_name
        if path.exists() and sha256_of(path) != item.sha256:
            move_aside(path, f'its SHA-256 is not the pinned {item.sha256}')
        if not path.exists():
            if offline():
                raise ZooError(f'the class list {path} is not in the cache and '
                               f'UNIFORMER_DENSE_OFFLINE is set')
            sources = [Mirror(base + 'class_lists/' + item.file_name, item.sha256)
                       for base in user_mirrors()] + [Mirror(item.url, item.sha256)]
            failures = []
            for source in sources:
                try:
                    _download(source.url, path, item.sha256, progress=progress, kind='text')
                    break
                except ZooError as exc:
                    if exc.storage:
                        raise
                    failures.append(f'{source.url}: {exc}')
            else:
                raise ZooError(f'could not download the class list {item.file_name}: '
                               + '; '.join(failures))
        paths.append(path)
    return paths[:-1], paths[-1]


# ---------------------------------------------------------------- loading zoo://NAME
def load(name: str, map_location=None) -> dict:
    """The checkpoint dict of zoo entry ``name`` as this package loads it: the authors'
    formats converted (see :func:`to_loadable`). A cached file that fails to load is moved
    aside and downloaded once more."""
    entry = get_entry(name)
    for attempt in range(2):
        path = resolve(name)
        try:
            ckpt = _safe_torch_load(path, map_location)
            break
        except Exception as exc:
            if attempt or offline():
                raise ZooError(f'{path} (zoo://{name}) does not load with safe loading: '
                               f'{type(exc).__name__}: {torch_error_line(exc)}. '
                               f'Delete it and run `python tools/download.py {name}`.') from exc
            move_aside(path, f'it does not load ({type(exc).__name__})')
    if not isinstance(ckpt, dict):
        raise ZooError(f'{path} (zoo://{name}) holds a {type(ckpt).__name__}, not a dict.')
    return to_loadable(entry, ckpt, path)


def to_loadable(entry: ZooWeights, ckpt: dict, path: Path) -> dict:
    """Convert the authors' file formats to what this package's models load."""
    fmt = entry.source_format
    if fmt in ('mmdet2', 'mmseg0', 'mmpose0'):
        from .convert import convert_loaded
        return convert_loaded(ckpt, fmt, src=f'{path} (zoo://{entry.name})')
    if fmt == 'slowfast':
        return _authors_video(entry, ckpt, path)
    return ckpt


def _authors_video(entry: ZooWeights, ckpt: dict, path: Path) -> dict:
    """The authors' SlowFast file as an MMAction2 recogniser checkpoint, its classifier
    re-indexed by class name to MMAction2's order. Without the class lists (offline and not
    cached) the classifier is left out and the checkpoint says why: a backbone still loads
    from it, a whole-model load stops with the exact command (see checkpoint.py)."""
    from .convert import convert_loaded, read_class_list, read_class_lists
    src = f'{path} (zoo://{entry.name})'
    try:
        authors, mmaction = class_list_files(entry.dataset)
        src_names, dst_names = read_class_lists(authors), read_class_list(mmaction)
    except ZooError as exc:
        out = convert_loaded(ckpt, 'slowfast', src=src, keep_class_order=True)
        state = out['state_dict']
        for key in [k for k in state if k.startswith('cls_head.')]:
            del state[key]
        authors_items, mmaction_item = CLASS_LISTS[entry.dataset]
        joined = ' and '.join(item.url for item in authors_items)
        if len(authors_items) > 1:
            joined += ' (one file: the lines of both)'
        out['meta']['classifier_not_converted'] = (
            f"{src} is the authors' video file: its classifier rows follow the authors' class "
            f"order, and re-indexing them to MMAction2's needs the two class lists of "
            f"{entry.dataset}, which could not be had ({exc}). Fetch them once with "
            f"`python tools/download.py --class-lists` (online), then run again; or convert "
            f"the file yourself:\n  python tools/convert_checkpoint.py {path} "
            f"{path.with_name(path.stem + '_mmaction2.pth')} --src-classes AUTHORS_LIST "
            f"--dst-classes MMACTION2_LIST --config {entry.config}\nwith AUTHORS_LIST from "
            f"{joined} and MMACTION2_LIST from {mmaction_item.url}")
        return out
    out = convert_loaded(ckpt, 'slowfast', src=src, src_classes=src_names,
                         dst_classes=dst_names)
    out['meta'].update(class_order_from=', '.join(p.name for p in authors),
                       class_order_to=mmaction.name)
    return out


def _load_zoo_checkpoint(filename: str, map_location=None):
    return load(filename[len('zoo://'):], map_location=map_location)


def register_scheme():
    """Teach MMEngine's checkpoint loader the ``zoo://`` prefix."""
    from mmengine.runner.checkpoint import CheckpointLoader
    if 'zoo://' not in CheckpointLoader._schemes:
        CheckpointLoader.register_scheme(prefixes='zoo://', loader=_load_zoo_checkpoint)


# ---------------------------------------------------------------- cache verification
def verify(names: Optional[Sequence[str]] = None, move_bad: bool = True):
    """Check cached files against the manifest: ``[(file_name, status, detail)]`` with
    status 'ok', 'recorded' (valid, not in the manifest before: now it is), 'bad' (moved
    aside when ``move_bad``) or 'absent' (named but not cached)."""
    files = read_manifest()
    entries = [get_entry(n) for n in names] if names else [e for e in ENTRIES if e.url]
    seen, results = set(), []
    for entry in entries:
        if entry.file_name in seen:
            continue
        seen.add(entry.file_name)
        path = cache_dir() / entry.file_name
        if not path.exists():
            if names:
                results.append((entry.file_name, 'absent', f'not in {cache_dir()}'))
            continue
        rec = files.get(entry.file_name)
        problem = checkpoint_problem(path)
        got = sha256_of(path) if not problem else None
        if not problem and rec:
            if got != rec.get('sha256'):
                problem = (f'SHA-256 {got} differs from the {rec.get("sha256")} recorded when it '
                           f'was downloaded from {rec.get("url")}')
        elif not problem:
            problem = safe_load_problem(path)
        if problem:
            detail = problem
            if move_bad:
                aside = move_aside(path, problem)
                detail += f'; moved to {aside.name}, the next use downloads it again'
            results.append((entry.file_name, 'bad', detail))
            continue
        published = {s.sha256 for s in entry.sources if s.sha256}
        note = ''
        if published and got not in published:
            note = (' (not one of the published files of this entry: placed by hand or from '
                    'another mirror)')
        if rec:
            results.append((entry.file_name, 'ok', f'sha256 {got} from {rec.get("url")}{note}'))
        else:
            record(entry.file_name, got, path.stat().st_size, url='', how='found in the cache')
            results.append((entry.file_name, 'recorded',
                            f'sha256 {got}: a valid checkpoint not downloaded by this version, '
                            f'recorded now{note}'))
    return results


# ---------------------------------------------------------------- model_zoo.md
TASK_TITLES = {'backbone': 'ImageNet-1K backbones', 'det': 'COCO detection and instance '
               'segmentation', 'seg': 'ADE20K semantic segmentation', 'pose': 'COCO keypoints',
               'action': 'Video classification (Kinetics-400/600, Something-Something V2/V1)'}


def _short_host(url: str) -> str:
    label = host_label(url)
    return {'Google Drive': 'Drive', 'OpenMMLab': 'OpenMMLab'}.get(
        label, label.replace('Hugging Face ', 'HF '))


def markdown() -> str:
    """``model_zoo.md``, generated from :data:`ENTRIES` (a test keeps the file in sync)."""
    lines = ['# Model zoo', '',
             'Generated from `uniformer_dense/zoo.py` by `python tools/download.py --markdown`.',
             'Metrics, parameters and FLOPs (multiply-accumulates) are the papers\'; the tests '
             'check every config\'s parameter count against them (within 3%).',
             '`python tools/download.py NAME` fetches an entry into the cache; a config names '
             'backbone weights as `zoo://NAME`, and `python tools/test.py CONFIG zoo://NAME` '
             'evaluates an entry (the authors\' formats are converted when loaded).',
             'Sources are tried in the order given (hosts: HF = Hugging Face, Drive = the '
             'authors\' Google Drive); a file is kept only if it is a checkpoint that loads '
             'safely and matches its published SHA-256 where there is one (marked '
             '"(SHA-256)"), and its SHA-256 is recorded in the cache\'s `manifest.json` '
             '(`python tools/download.py --verify`).', '']
    for task, title in TASK_TITLES.items():
        video = task == 'action'
        lines += [f'## {title}', '']
        if video:
            lines += ['FLOPs per view; views = frames x crops x clips at test time (the '
                      'paper\'s total FLOPs are per view x crops x clips).', '']
        lines += ['| name | config | paper metrics | params (M) | FLOPs (G) | '
                  + ('views | ' if video else '') + 'weights (sources in order) | note |',
                  '|---|---|---|---|---|' + ('---|' if video else '') + '---|---|']
        for e in ENTRIES:
            if e.task != task:
                continue
            metrics = ', '.join(f'{k} {v}' for k, v in e.paper)
            weights = '-'
            if e.sources:
                links = [f'[{_short_host(s.url)}]({s.url})'
                         + (' (SHA-256)' if s.sha256 or s.sha256_prefix else '')
                         for s in e.sources]
                weights = f'{e.file_name}: ' + ', '.join(links)
            cells = [e.name, f'`{e.config}`' if e.config else '-', metrics,
                     _num(e.params_m), _num(e.flops_g)] + ([e.views] if video else []) + [
                     weights, e.note or '']
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines.append('')
    return '\n'.join(lines)


def _num(value):
    return '-' if value is None else f'{value:g}'
