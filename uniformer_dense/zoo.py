"""Model-zoo names for weights, and the ``zoo://NAME`` checkpoint scheme.

A config names shared weights by zoo name, ``init_cfg=dict(type='Pretrained',
checkpoint='zoo://uniformer_small_in1k')``, the same way in detection, segmentation and pose
configs. The name resolves to a file in the cache (``$UNIFORMER_DENSE_CACHE`` or
``~/.cache/uniformer_dense/checkpoints``), downloaded on first use into a temporary file that
is renamed only once complete (and checksum-verified where the SHA-256 is known). With
``UNIFORMER_DENSE_OFFLINE=1`` nothing is downloaded and a missing file is an error naming it.
"""
from __future__ import annotations

import dataclasses
import errno
import hashlib
import http.client
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HF = 'https://huggingface.co/Sense-X/uniformer_image/resolve/main/'
HF_VIDEO = 'https://huggingface.co/Sense-X/uniformer_video/resolve/main/'
GDRIVE = 'https://drive.google.com/uc?export=download&id='
MMPOSE = 'https://download.openmmlab.com/mmpose/v1/projects/uniformer/'
MMACTION = 'https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'


@dataclass(frozen=True)
class ZooWeights:
    """One published model: where its weights are and what the paper reports for it.

    ``sha256`` is checked after download when known; for the OpenMMLab pose files only the
    first 8 hex digits are published (in the file name) and ``sha256_prefix`` is checked.
    ``weights_of`` names the entry whose file a test-time variant shares (w32/h32 rows).
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


def _gd(file_id):
    return GDRIVE + file_id


def _det(name, box, mask, params, flops, gid, variant):
    return ZooWeights(name, 'det', _gd(gid), f'configs/det/{name}.py', variant,
                      (('box_ap', box), ('mask_ap', mask)), params, flops,
                      note="authors' MMDetection 2.x file: convert with tools/convert_checkpoint.py")


def _seg(name, miou, ms, params, flops, gid, variant, weights_of=None):
    paper = (('miou', miou),) + ((('ms_miou', ms),) if ms else ())
    return ZooWeights(name, 'seg', _gd(gid) if gid else None, f'configs/seg/{name}.py', variant,
                      paper, params, flops, weights_of=weights_of,
                      note='' if gid else 'no checkpoint released by the authors')


def _pose(name, size, ap, flops, digest, variant):
    v = 'small' if variant == 'uniformer_s' else 'base'
    return ZooWeights(name, 'pose', f'{MMPOSE}top_down_{size}_global_{v}-{digest}_20230724.pth',
                      f"configs/pose/{name.replace('topdown_', 'topdown_heatmap_')}.py", variant,
                      (('keypoint_ap', ap),),
                      params_m=None, flops_g=flops, sha256_prefix=digest,
                      note='OpenMMLab pose project (MMPose 1.x format)')


AUTHORS_VIDEO_NOTE = ("authors' SlowFast-format file (no `backbone.` prefix, `head.*`, their "
                      "class order): convert once with tools/convert_checkpoint.py "
                      "--src-classes/--dst-classes (tools/test.py prints the command)")


def _video(name, top1, views, total_flops, url, config=None, note=AUTHORS_VIDEO_NOTE, **kw):
    """A video recogniser; ``total_flops`` is the paper's total over ``views``."""
    size = name.split('_')[2]  # uniformer_video_{s,b}_...
    entry = ZooWeights(name, 'action', url, f'configs/video/{config or name}.py',
                       f'uniformer_video_{size}', (('top1', top1),),
                       params_m={'s': 21.4, 'b': 49.8}[size], note=note, views=views, **kw)
    return dataclasses.replace(entry, flops_g=round(total_flops / entry.num_views, 2))


def _mmaction(name, top1, views, total_flops, file, digest):
    return _video(f'{name}_mmaction2', top1, views, total_flops,
                  f'{MMACTION}{file}_20221219-{digest}.pth', config=name, sha256_prefix=digest,
                  note="MMAction2's conversion of the authors' file and its measured top-1; "
                       "loads directly (MMAction2 class order)")


def _ss(size, frames, data, top1, top1_k600, total_flops, gid, gid_k600, hf_k600=None):
    name = f'uniformer_video_{size}_{frames}_{data}'
    return [_video(name, top1, f'{frames}x3x1', total_flops, _gd(gid)),
            _video(f'{name}_prek600', top1_k600, f'{frames}x3x1', total_flops,
                   HF_VIDEO + hf_k600 if hf_k600 else _gd(gid_k600))]


ENTRIES = [
    # ImageNet-1K backbones every downstream model starts from (authors' release).
    ZooWeights('uniformer_small_in1k', 'backbone', HF + 'uniformer_small_in1k.pth', None,
               'uniformer_s', (('top1', 82.9),), 22, 3.6),
    ZooWeights('uniformer_base_in1k', 'backbone', HF + 'uniformer_base_in1k.pth', None,
               'uniformer_b', (('top1', 83.9),), 50, 8.3),
    ZooWeights('uniformer_base_ls_in1k', 'backbone', HF + 'uniformer_base_ls_in1k.pth', None,
               'uniformer_b', (('top1', 83.9),), 50, 8.3,
               note='layer scale: build with layer_scale=1e-6'),
    ZooWeights('uniformer_xxs_in1k', 'backbone', _gd('1Cw9r_3c30N-esFI8RFYa6rQXJrr1rAHY'), None,
               'uniformer_xxs', (('top1', 80.6),), 10.2, 1.3),
    ZooWeights('uniformer_xs_in1k', 'backbone', _gd('1CwQ91fjuAu3Rhn3zV4vjAmQ8v36AfYPT'), None,
               'uniformer_xs', (('top1', 82.0),), 16.5, 2.0),
    # COCO detection (val2017).
    _det('mask_rcnn_uniformer_xxs', 42.8, 39.2, 29.4, None,
         '1CUyS-hWbpLvOXHZ35n4BZPmiCbMXt0mc', 'uniformer_xxs'),
    _det('mask_rcnn_uniformer_xs', 44.6, 40.9, 35.6, None,
         '1CRHb-W5Csy_509J4Ux62TOT7dpixdsOi', 'uniformer_xs'),
    _det('mask_rcnn_uniformer_s', 45.6, 41.6, 41, 269,
         '13KhBYkHKQg-CyhAgn1LQM1K0R4bwSpWT', 'uniformer_s_h14'),
    _det('mask_rcnn_uniformer_s_3x_ms', 48.2, 43.4, 41, 269,
         '13O6P-spXbWuXgUjLw8AyRITYTwhdOwuD', 'uniformer_s_h14'),
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
    # ADE20K: UperNet 160k (single-scale / multi-scale + flip).
    _seg('upernet_uniformer_s_h14', 46.9, 48.0, 52, 947, None,
         'uniformer_s_h14'),
    _seg('upernet_uniformer_b_h14', 48.9, 50.0, 80, 1085, None,
         'uniformer_b_h14'),
    _seg('upernet_uniformer_s_global', 47.6, 48.5, 52, 1004,
         '13hOneJiFqwEneUz1Zpqo1W2uv7BsoXGF', 'uniformer_s'),
    _seg('upernet_uniformer_s_w32', 46.6, 48.4, 52, 939,
         '13hOneJiFqwEneUz1Zpqo1W2uv7BsoXGF', 'uniformer_s', 'upernet_uniformer_s_global'),
    _seg('upernet_uniformer_s_h32', 47.0, 48.5, 52, 955,
         '13hOneJiFqwEneUz1Zpqo1W2uv7BsoXGF', 'uniformer_s', 'upernet_uniformer_s_global'),
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
    # Kinetics-400 (4 clips x 1 crop). Files on Hugging Face where the authors put them there.
    _video('uniformer_video_s_8x8_k400', 78.4, '8x1x4', 70,
           _gd('1-kitVTkWErHXI_x-sLItvK9-sOmb53j6')),
    _video('uniformer_video_s_16x4_k400', 80.8, '16x1x4', 167,
           _gd('1-jGZIIuTM5IYIpqkNTojhGhfMc7Gu9Kt')),
    _video('uniformer_video_s_16x8_k400', 80.8, '16x1x4', 167,
           HF_VIDEO + 'uniformer_small_k400_16x8.pth'),
    _video('uniformer_video_s_32x4_k400', 82.0, '32x1x4', 438, None,
           note='no checkpoint released by the authors'),
    _video('uniformer_video_b_8x8_k400', 79.8, '8x1x4', 161,
           _gd('1hBxGU-QE8hGRBjSNCymJ7Au06LhluvTv')),
    _video('uniformer_video_b_16x4_k400', 82.0, '16x1x4', 387,
           _gd('15ipzFaZdTt-aHv7jcr_h_vgYD2X7D6AD')),
    _video('uniformer_video_b_16x8_k400', 81.7, '16x1x4', 387,
           HF_VIDEO + 'uniformer_base_k400_16x8.pth'),
    _video('uniformer_video_b_32x4_k400', 82.9, '32x1x4', 1036,
           _gd('1gHxx8cr1H0CNvngj1kB9ArgcPfJtqjCV')),
    _mmaction('uniformer_video_s_16x4_k400', 80.9, '16x1x4', 167,
              'uniformer-small_imagenet1k-pre_16x4x1_kinetics400-rgb', 'c630a037'),
    _mmaction('uniformer_video_b_16x4_k400', 82.0, '16x1x4', 387,
              'uniformer-base_imagenet1k-pre_16x4x1_kinetics400-rgb', '157c2e66'),
    _mmaction('uniformer_video_b_32x4_k400', 83.1, '32x1x4', 1036,
              'uniformer-base_imagenet1k-pre_32x4x1_kinetics400-rgb', 'b776322c'),
    # Kinetics-600 (4 clips x 1 crop).
    _video('uniformer_video_s_16x4_k600', 82.8, '16x1x4', 167,
           _gd('1-dqzjm5RZVspWHQLRD4S1vo4_6jyVltb')),
    _video('uniformer_video_s_16x8_k600', 82.7, '16x1x4', 167,
           HF_VIDEO + 'uniformer_small_k600_16x8.pth'),
    _video('uniformer_video_b_16x4_k600', 84.0, '16x1x4', 387,
           _gd('1nBQCBCsCflhZ4OGUoGB3pAkc_GDau7vd')),
    _video('uniformer_video_b_16x8_k600', 83.4, '16x1x4', 387,
           _gd('1aidHdSd-h65-_EUkfNOdMMw0ZB8G5maY')),
    # The released multi-node run; the paper reports 84.8.
    _video('uniformer_video_b_32x4_k600', 84.5, '32x1x4', 1036,
           HF_VIDEO + 'uniformer_base_k600_32x4.pth'),
    # Something-Something V2 / V1 (1 clip x 3 crops), from the Kinetics-400 16x4 models and
    # (prek600) from the Kinetics-600 ones.
    *_ss('s', 16, 'sthv2', 67.7, 69.4, 125, '1-Wq22024HB7tT8kPX6eSMn2GUNMI-_gY',
         '1-V1mQp4fIIYhaXUWCgZXkJ0H6ne0Z8rz'),
    *_ss('s', 32, 'sthv2', 69.0, 70.4, 329, '1-5Q5S-NRmHFkIBygaRYpJLT7aI9cpmky',
         '1-1K5R3Ed4t8d_DZnJ62xysIt1dBNmx96'),
    *_ss('b', 16, 'sthv2', 70.4, 70.2, 290, '1s78JBpnykyJ7pYEGRDK8BZL9seIRIUlC',
         '16nCBGWzMM8n8Vr_EY0UmvgzLG0S_QYef'),
    *_ss('b', 32, 'sthv2', 71.1, 71.2, 777, '1-rpMARXnyvyj6YUJkIvVqtna86egpjoS',
         '1-lkRB3546l_ECuObN_IrHws1C9a-qKPr', hf_k600='uniformer_base_sthv2_32_prek600.pth'),
    *_ss('s', 16, 'sthv1', 57.2, 57.6, 125, '1-bdFsmXt2Ztf43lrVgmqS8_VYJ8tub6J',
         '1-YbYGjM15MDtQnrmCeZ9H2ybNdYTFkgO'),
    *_ss('s', 32, 'sthv1', 58.8, 59.9, 329, '1-Y5ADssqM2C8o_1jix48fQM788mVGWQ3',
         '1-XEgaGqXGp1EGzFl63ctApnvU54X27WP'),
    *_ss('b', 16, 'sthv1', 59.1, 58.8, 290, '1uMq4W5lf17vOHUmccNjYLeTMqaWHSh6v',
         '1xpiL8zEDWYHFR55gOsbQiI41YEjTD89J'),
    *_ss('b', 32, 'sthv1', 60.9, 61.0, 777, '18A3FuUUbdQ8ehMQ0D78qTTtm6YmIVWaO',
         '1xE1aJYAYFOlXOkpiIbJFHu_jSrr8reKm'),
]
WEIGHTS = {e.name: e for e in ENTRIES}


class ZooError(RuntimeError):
    pass


def cache_dir() -> Path:
    root = os.environ.get('UNIFORMER_DENSE_CACHE')
    return Path(root) if root else Path.home() / '.cache' / 'uniformer_dense' / 'checkpoints'


def offline() -> bool:
    return os.environ.get('UNIFORMER_DENSE_OFFLINE', '').lower() in ('1', 'true', 'yes')


def get_entry(name: str) -> ZooWeights:
    if name not in WEIGHTS:
        raise ZooError(f'Unknown model-zoo name {name!r}. Known weights: {sorted(WEIGHTS)}.')
    return WEIGHTS[name]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, dest: Path, sha256: Optional[str] = None,
             sha256_prefix: Optional[str] = None, timeout: float = 60,
             progress: bool = True) -> Path:
    """Fetch ``url`` to ``dest`` through ``dest.part``; rename only when complete and verified.

    A partial ``.part`` left by an interrupted run is resumed with an HTTP Range request. A
    checksum mismatch deletes the download and leaves an existing ``dest`` untouched.
    """
    part = dest.with_name(dest.name + '.part')
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ZooError(_storage_message(exc, dest.parent, url)) from exc
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={'Range': f'bytes={have}-'} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            resumed = bool(have) and resp.status == 206
            total = resp.headers.get('Content-Length')
            total = int(total) + (have if resumed else 0) if total else None
            with open(part, 'ab' if resumed else 'wb') as out, _progress(
                    progress, total, have if resumed else 0, dest.name) as bar:
                while True:
                    chunk = resp.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
                    bar.update(len(chunk))
            if total is not None and part.stat().st_size < total:
                raise ZooError(f'Download of {url} stopped at {part.stat().st_size} of {total} '
                               f'bytes. The partial file {part} is kept; run again to resume.')
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            pass
        else:
            raise ZooError(f'Download of {url} failed: HTTP {exc.code} {exc.reason}.') from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        if isinstance(exc, ZooError):
            raise
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            raise ZooError(_storage_message(exc, part, url)) from exc
        raise ZooError(f'Download of {url} failed: {exc}. The partial file {part} is kept; '
                       f'run again to resume.') from exc
    got = sha256_of(part) if (sha256 or sha256_prefix) else None
    if (sha256 and got != sha256) or (sha256_prefix and not got.startswith(sha256_prefix)):
        part.unlink()
        raise ZooError(f'Checksum mismatch for {url}: expected SHA-256 '
                       f'{sha256 or sha256_prefix + "..."}, got {got}. The download was '
                       f'discarded; {dest} was not touched.')
    os.replace(part, dest)
    return dest


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


def resolve(name: str, progress: bool = True) -> Path:
    """Local path of zoo weights ``name``, downloading them if needed."""
    entry = get_entry(name)
    if entry.url is None:
        raise ZooError(f'{name!r}: the authors released no checkpoint for this model '
                       f'({entry.note}); train it with {entry.config}.')
    path = cache_dir() / entry.file_name
    if path.exists():
        return path
    if offline():
        raise ZooError(f'{name!r} is not in the cache ({path}) and UNIFORMER_DENSE_OFFLINE is '
                       f'set: download it first with `python tools/download.py {name}` or copy '
                       f'the file there.')
    return download(entry.url, path, entry.sha256, entry.sha256_prefix, progress=progress)


TASK_TITLES = {'backbone': 'ImageNet-1K backbones', 'det': 'COCO detection and instance '
               'segmentation', 'seg': 'ADE20K semantic segmentation', 'pose': 'COCO keypoints',
               'action': 'Video classification (Kinetics-400/600, Something-Something V2/V1)'}


def markdown() -> str:
    """``model_zoo.md``, generated from :data:`ENTRIES` (a test keeps the file in sync)."""
    lines = ['# Model zoo', '',
             'Generated from `uniformer_dense/zoo.py` by `python tools/download.py --markdown`.',
             'Metrics, parameters and FLOPs (multiply-accumulates) are the papers\'; the tests '
             'check every config\'s parameter count against them (within 3%).',
             '`python tools/download.py NAME` fetches an entry into the cache; a config names '
             'backbone weights as `zoo://NAME`.', '']
    for task, title in TASK_TITLES.items():
        video = task == 'action'
        lines += [f'## {title}', '']
        if video:
            lines += ['FLOPs per view; views = frames x crops x clips at test time (the '
                      'paper\'s total FLOPs are per view x crops x clips).', '']
        lines += ['| name | config | paper metrics | params (M) | FLOPs (G) | '
                  + ('views | ' if video else '') + 'weights | note |',
                  '|---|---|---|---|---|' + ('---|' if video else '') + '---|---|']
        for e in ENTRIES:
            if e.task != task:
                continue
            metrics = ', '.join(f'{k} {v}' for k, v in e.paper)
            weights = f'[{e.file_name}]({e.url})' if e.url else '-'
            cells = [e.name, f'`{e.config}`' if e.config else '-', metrics,
                     _num(e.params_m), _num(e.flops_g)] + ([e.views] if video else []) + [
                     weights, e.note or '']
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines.append('')
    return '\n'.join(lines)


def _num(value):
    return '-' if value is None else f'{value:g}'


def _load_zoo_checkpoint(filename: str, map_location=None):
    import torch
    return torch.load(resolve(filename[len('zoo://'):]), map_location=map_location,
                      weights_only=True)


def register_scheme():
    """Teach MMEngine's checkpoint loader the ``zoo://`` prefix."""
    from mmengine.runner.checkpoint import CheckpointLoader
    if 'zoo://' not in CheckpointLoader._schemes:
        CheckpointLoader.register_scheme(prefixes='zoo://', loader=_load_zoo_checkpoint)
