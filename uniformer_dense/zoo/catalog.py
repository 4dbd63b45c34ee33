"""The model zoo as data: every published model, where its file is, what the paper reports.

:data:`WEIGHTS` (name -> :class:`ZooWeights`) is the one table; :data:`ENTRIES` is a live
view of its values in catalogue order, so a test that replaces an entry in :data:`WEIGHTS`
changes what every function of the zoo sees. Each entry lists its sources once, in the
order they are tried (:attr:`ZooWeights.sources`). The rows below are keyword calls of one
small constructor per task, which fills in what is the same for the task (config path,
metric names, note, file format).
"""
from __future__ import annotations

import dataclasses
import re
import urllib.parse
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Sequence, Tuple

from ..formats import AUTHORS_K400_CLASSES, SourceFormat
from ..models.classifier import CLASSIFIERS
from ..models.uniformer import ARCH_SETTINGS
from .errors import ZooError

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


@dataclass(frozen=True, kw_only=True)
class ZooWeights:
    """One published model: where its weights are and what the paper reports for it.

    ``sources`` are the places its file can come from, tried in that order (for the
    OpenMMLab pose and video files only the first 8 hex digits of the SHA-256 are published,
    in the file name: :attr:`Mirror.sha256_prefix`); none where the authors released no file.
    ``weights_of`` names the entry whose file a test-time variant shares (w32/h32 rows).
    ``source_format`` (:class:`~uniformer_dense.formats.SourceFormat`) says how the file is
    laid out; those of ``SourceFormat.CONVERTED_ON_LOAD`` are converted when loaded as
    ``zoo://NAME``, the authors' video files with the class lists of ``dataset``
    (:data:`CLASS_LISTS`). Video entries (task ``'action'``) give ``flops_g`` per view and
    the published test views in ``views`` (frames x crops x clips, the authors' notation):
    the paper's total is their product.
    """
    name: str
    task: str  # 'cls' (ImageNet classifiers, every backbone's init), 'det', 'seg', 'pose',
    # or 'action'
    sources: Tuple[Mirror, ...] = ()
    config: Optional[str] = None
    variant: Optional[str] = None  # backbone variant the weights fit
    paper: tuple = ()  # ((metric, value), ...) as the paper reports them
    params_m: Optional[float] = None  # paper
    flops_g: Optional[float] = None  # paper, multiply-accumulates
    weights_of: Optional[str] = None
    note: str = ''
    views: Optional[str] = None  # video: frames x crops x clips at test time, e.g. '16x1x4'
    source_format: Optional[str] = None
    dataset: Optional[str] = None  # video: the dataset whose class lists re-index the head
    arch: Optional[str] = None  # classifiers: the network (models.classifier.CLASSIFIERS)
    input_size: Optional[int] = None  # classifiers: the resolution it was trained and tested at

    def __post_init__(self):
        if self.source_format not in (None, *SourceFormat.ALL):
            raise ValueError(f'{self.name}: unknown source format {self.source_format!r}; '
                             f'one of {SourceFormat.ALL}')
        object.__setattr__(self, 'sources', tuple(self.sources))

    @property
    def url(self) -> Optional[str]:
        """The first source's URL; None where no file was released."""
        return self.sources[0].url if self.sources else None

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


# ---------------------------------------------------------------- one constructor per task
def _drive(file_id: str) -> Mirror:
    """A file on the authors' Google Drive."""
    return Mirror(GDRIVE + file_id)


def _cls(name: str, *, arch: str, top1: float, params_m: float, flops_g: float,
         sources: Sequence[Mirror], input_size: int = 224) -> ZooWeights:
    """An ImageNet-1K classifier of the authors' release: ``arch`` is its network, the
    backbone ``variant`` is that network's row."""
    return ZooWeights(name=name, task='cls', sources=sources, config=f'configs/cls/{name}.py',
                      variant=CLASSIFIERS[arch][0], arch=arch, input_size=input_size,
                      paper=(('top1', top1),), params_m=params_m, flops_g=flops_g,
                      source_format=SourceFormat.IMAGENET,
                      note=f"authors' file ({input_size}px{', token labeling' if CLASSIFIERS[arch][1] else ''}): "
                           f"backbone keys at the top, loads as zoo://NAME")


def _det(name: str, *, variant: str, box_ap: float, mask_ap: float, params_m: float,
         flops_g: Optional[float], sources: Sequence[Mirror]) -> ZooWeights:
    return ZooWeights(name=name, task='det', sources=sources, config=f'configs/det/{name}.py',
                      variant=variant, paper=(('box_ap', box_ap), ('mask_ap', mask_ap)),
                      params_m=params_m, flops_g=flops_g, source_format=SourceFormat.MMDET2,
                      note="authors' MMDetection 2.x file (keys unchanged in 3.x): loads "
                           "as zoo://NAME")


def _seg(name: str, *, variant: str, miou: float, params_m: float, flops_g: Optional[float],
         sources: Sequence[Mirror] = (), ms_miou: Optional[float] = None,
         weights_of: Optional[str] = None) -> ZooWeights:
    """A segmentor; ``ms_miou`` is the multi-scale + flip mIoU where the paper gives it."""
    paper = (('miou', miou),) + ((('ms_miou', ms_miou),) if ms_miou else ())
    return ZooWeights(name=name, task='seg', sources=sources, config=f'configs/seg/{name}.py',
                      variant=variant, paper=paper, params_m=params_m, flops_g=flops_g,
                      weights_of=weights_of,
                      source_format=SourceFormat.MMSEG0 if sources else None,
                      note="authors' MMSegmentation 0.x file (keys unchanged in 1.x): loads "
                           "as zoo://NAME" if sources else 'no checkpoint released by the authors')


def _pose(name: str, *, variant: str, file_size: str, input_size: str, keypoint_ap: float,
          flops_g: float, sha256_prefix: str) -> ZooWeights:
    """A top-down heatmap model re-released by OpenMMLab (its file name carries the model size
    as ``file_size``, 'small' or 'base', and the SHA-256's first 8 hex digits)."""
    url = f'{MMPOSE}top_down_{input_size}_global_{file_size}-{sha256_prefix}_20230724.pth'
    return ZooWeights(name=name, task='pose', sources=(Mirror(url, sha256_prefix=sha256_prefix),),
                      config=f"configs/pose/{name.replace('topdown_', 'topdown_heatmap_')}.py",
                      variant=variant, paper=(('keypoint_ap', keypoint_ap),), flops_g=flops_g,
                      source_format=SourceFormat.MMPOSE1,
                      note='OpenMMLab pose project (MMPose 1.x format)')


AUTHORS_VIDEO_NOTE = ("authors' SlowFast-format file (no `backbone.` prefix, `head.*`, their "
                      "class order): converted when loaded as zoo://NAME, the classifier "
                      "re-indexed by class name to MMAction2's order")


def _video(name: str, *, top1: float, views: str, total_flops_g: float,
           sources: Sequence[Mirror] = (), config: Optional[str] = None,
           note: str = AUTHORS_VIDEO_NOTE,
           source_format: str = SourceFormat.SLOWFAST) -> ZooWeights:
    """A video recogniser; ``total_flops_g`` is the paper's total over ``views``."""
    size = name.split('_')[2]  # uniformer_video_{s,b}_...
    dataset = re.search(r'_(k400|k600|sthv2|sthv1)', name).group(1)
    entry = ZooWeights(name=name, task='action', sources=sources,
                       config=f'configs/video/{config or name}.py',
                       variant=f'uniformer_video_{size}', paper=(('top1', top1),),
                       params_m={'s': 21.4, 'b': 49.8}[size], note=note, views=views,
                       dataset=dataset, source_format=source_format)
    return dataclasses.replace(entry, flops_g=round(total_flops_g / entry.num_views, 2))


def _mmaction(name: str, *, top1: float, views: str, total_flops_g: float, file: str,
              sha256_prefix: str) -> ZooWeights:
    """MMAction2's conversion of the authors' file ``name`` (its config), with its top-1."""
    url = f'{MMACTION}{file}_20221219-{sha256_prefix}.pth'
    return _video(f'{name}_mmaction2', top1=top1, views=views, total_flops_g=total_flops_g,
                  sources=(Mirror(url, sha256_prefix=sha256_prefix),), config=name,
                  source_format=SourceFormat.MMACTION,
                  note="MMAction2's conversion of the authors' file and its measured top-1; "
                       "loads directly (MMAction2 class order)")


def _something(size: str, frames: int, dataset: str, *, top1: float, top1_prek600: float,
               total_flops_g: float, sources: Sequence[Mirror],
               prek600_sources: Sequence[Mirror]) -> Tuple[ZooWeights, ZooWeights]:
    """A Something-Something model fine-tuned from the Kinetics-400 16x4 recogniser and its
    ``_prek600`` twin from the Kinetics-600 one (1 clip x 3 crops)."""
    name = f'uniformer_video_{size}_{frames}_{dataset}'
    views = f'{frames}x3x1'
    return (_video(name, top1=top1, views=views, total_flops_g=total_flops_g, sources=sources),
            _video(f'{name}_prek600', top1=top1_prek600, views=views,
                   total_flops_g=total_flops_g, sources=prek600_sources))


def _by_name(entries: Iterable[ZooWeights]) -> Dict[str, ZooWeights]:
    """The name -> entry table; a name given twice is a mistake in the rows below."""
    table: Dict[str, ZooWeights] = {}
    for entry in entries:
        if entry.name in table:
            raise ValueError(f'model-zoo name {entry.name!r} is listed twice')
        table[entry.name] = entry
    return table


_UPERNET_S_GLOBAL = tuple(Mirror(
    base + 'upernet_global_small.pth',
    'bebfa1264c10381e389d8065056baaadbdadee8ddc6e36770d1ec339dc84d970', size=206313115)
    for base in (HF_ANNOTATORS, HF_ANDY)) + (_drive('13hOneJiFqwEneUz1Zpqo1W2uv7BsoXGF'),)

WEIGHTS: Dict[str, ZooWeights] = _by_name([
    # ImageNet-1K classifiers (authors' release): every downstream model starts from one of
    # them. The authors' Hugging Face repository holds S and B; the rest are on their Google
    # Drive only. Plain training at 224 px; token labeling (tl) at 224 px and fine-tuned at
    # 384 px; the light XXS / XS at the resolutions they were trained at.
    _cls('uniformer_small_in1k', arch='uniformer_small_in1k', top1=82.9, params_m=22,
         flops_g=3.6, sources=[
             Mirror(HF + 'uniformer_small_in1k.pth'),
             Mirror(HF_ANDY + 'uniformer_small_in1k.pth',
                    'fd192c31f8bd77670de8f171111bd51f56fd87e6aea45043ab2edc181e1fa775',
                    size=86314461),
             _drive('1-uepH3Q3BhTmWU6HK-sGAGQC_MpfIiPD')]),
    _cls('uniformer_small_plus_in1k', arch='uniformer_small_plus_in1k', top1=83.4, params_m=24,
         flops_g=4.2, sources=[_drive('10IN5ULcjz0Ld_lDokkTGOSmRFXLzUkEs')]),
    _cls('uniformer_small_plus_dim64_in1k', arch='uniformer_small_plus_dim64_in1k', top1=83.4,
         params_m=24, flops_g=4.2, sources=[_drive('178ipRvMBKeAP_Fzy6fEr2HQkIQWdgEY6')]),
    _cls('uniformer_base_in1k', arch='uniformer_base_in1k', top1=83.8, params_m=50,
         flops_g=8.3, sources=[
             Mirror(HF + 'uniformer_base_in1k.pth',
                    '82c01015818cb897b00a29352043053df53ce4c02c2d012226b3a8a12ccb60eb',
                    size=199378501),
             _drive('1-wT39QazTGELxgrQIu6J12D3qcla3hui')]),
    _cls('uniformer_base_ls_in1k', arch='uniformer_base_ls_in1k', top1=83.9, params_m=50,
         flops_g=8.3, sources=[_drive('10FnwzMVgGL8bPO3EMZ7oG4vDvqnPoBK5')]),
    _cls('uniformer_small_tl_in1k', arch='uniformer_small_tl', top1=83.4, params_m=22,
         flops_g=3.6, sources=[_drive('16wjfeyqQFZ2x9W91EXf0Py1bfv4Fydfr')]),
    _cls('uniformer_small_dim64_tl_in1k', arch='uniformer_small_dim64_tl', top1=83.4,
         params_m=22, flops_g=3.6, sources=[_drive('17NC5qqAWCT2gI_jY_cJnFTOqRQTSwsoz')]),
    _cls('uniformer_small_plus_tl_in1k', arch='uniformer_small_plus_tl', top1=83.9, params_m=24,
         flops_g=4.2, sources=[_drive('16rgtEVEeX3jVTQaiLsojBQP5sRaj_2aZ')]),
    _cls('uniformer_small_plus_dim64_tl_in1k', arch='uniformer_small_plus_dim64_tl', top1=83.6,
         params_m=24, flops_g=4.2, sources=[_drive('17OfoDWt2_nA0BYN0OuLPpG8mHJDTluQQ')]),
    _cls('uniformer_base_tl_in1k', arch='uniformer_base_tl', top1=85.1, params_m=50,
         flops_g=8.3, sources=[_drive('16nsTjawiYZuoCHBRarr58zA7vCFcmQmL')]),
    _cls('uniformer_base_dim64_tl_in1k', arch='uniformer_base_dim64_tl', top1=84.8,
         params_m=50, flops_g=8.3, sources=[_drive('17MneG9CnZG6zBvXYUr4WUXoTYc4rjJj5')]),
    _cls('uniformer_large_ls_tl_in1k', arch='uniformer_large_ls_tl', top1=85.6, params_m=100,
         flops_g=12.6, sources=[_drive('173e2qaJhOwbuC_DbNQSH47Oo_04mSfDj')]),
    _cls('uniformer_small_tl_in1k_384', arch='uniformer_small_tl', top1=84.6, params_m=22,
         flops_g=11.9, input_size=384, sources=[_drive('16p4CXzuXC5J4_SJK67dsvnc8gTKmtKN1')]),
    _cls('uniformer_small_plus_tl_in1k_384', arch='uniformer_small_plus_tl', top1=84.9,
         params_m=24, flops_g=13.7, input_size=384,
         sources=[_drive('16wJT87vTc43Dt1q2sXrxZRUuEdrNdFdk')]),
    _cls('uniformer_base_tl_in1k_384', arch='uniformer_base_tl', top1=86.0, params_m=50,
         flops_g=27.2, input_size=384, sources=[_drive('16kZlIarIwf9ldkCdHVKTQfFmDgfkucQ7')]),
    _cls('uniformer_large_ls_tl_in1k_384', arch='uniformer_large_ls_tl', top1=86.3,
         params_m=100, flops_g=39.2, input_size=384,
         sources=[_drive('174rcA6rNzYVG9Ya9ik-NwTGoxW1M79ez')]),
    _cls('uniformer_xxs_in1k_128', arch='uniformer_xxs_in1k', top1=76.8, params_m=10.2,
         flops_g=0.43, input_size=128, sources=[_drive('1Cr7uB5hUck1BHioEROWZjfLpYRwg4Zps')]),
    _cls('uniformer_xxs_in1k_160', arch='uniformer_xxs_in1k', top1=79.1, params_m=10.2,
         flops_g=0.67, input_size=160, sources=[_drive('1CsXCzfVFPyM2mY8BA_1fO3q_VBngnF44')]),
    _cls('uniformer_xxs_in1k_192', arch='uniformer_xxs_in1k', top1=79.9, params_m=10.2,
         flops_g=0.96, input_size=192, sources=[_drive('1CjrCEnZCk2aLrN7nVG8vFvu3FAUL4_Y_')]),
    _cls('uniformer_xxs_in1k', arch='uniformer_xxs_in1k', top1=80.6, params_m=10.2,
         flops_g=1.3, sources=[_drive('1Cw9r_3c30N-esFI8RFYa6rQXJrr1rAHY')]),
    _cls('uniformer_xs_in1k_192', arch='uniformer_xs_in1k', top1=81.5, params_m=16.5,
         flops_g=1.4, input_size=192, sources=[_drive('1Ce2Dk9-k_-sHt5dXp-gfNOEK37Jdcffv')]),
    _cls('uniformer_xs_in1k', arch='uniformer_xs_in1k', top1=82.0, params_m=16.5,
         flops_g=2.0, sources=[_drive('1CwQ91fjuAu3Rhn3zV4vjAmQ8v36AfYPT')]),
    # COCO detection (val2017).
    _det('mask_rcnn_uniformer_xxs', variant='uniformer_xxs', box_ap=42.8, mask_ap=39.2,
         params_m=29.4, flops_g=None, sources=[_drive('1CUyS-hWbpLvOXHZ35n4BZPmiCbMXt0mc')]),
    _det('mask_rcnn_uniformer_xs', variant='uniformer_xs', box_ap=44.6, mask_ap=40.9,
         params_m=35.6, flops_g=None, sources=[_drive('1CRHb-W5Csy_509J4Ux62TOT7dpixdsOi')]),
    _det('mask_rcnn_uniformer_s', variant='uniformer_s_h14', box_ap=45.6, mask_ap=41.6,
         params_m=41, flops_g=269, sources=[_drive('13KhBYkHKQg-CyhAgn1LQM1K0R4bwSpWT')]),
    _det('mask_rcnn_uniformer_s_3x_ms', variant='uniformer_s_h14', box_ap=48.2, mask_ap=43.4,
         params_m=41, flops_g=269, sources=[
             Mirror(HF_ANDY + 'mask_rcnn_3x_ms_hybrid_small.pth',
                    'ca5469b0889f10c82522c97ac116c78aabe8628a6fd1453a9fced62453f4986c',
                    size=164955531),
             _drive('13O6P-spXbWuXgUjLw8AyRITYTwhdOwuD')]),
    _det('mask_rcnn_uniformer_b', variant='uniformer_b_h14', box_ap=47.4, mask_ap=43.1,
         params_m=69, flops_g=399, sources=[_drive('13YrVEiqFraSuX1NzdhPnhw7bFXTvEii1')]),
    _det('mask_rcnn_uniformer_b_3x_ms', variant='uniformer_b_h14', box_ap=50.3, mask_ap=44.8,
         params_m=69, flops_g=399, sources=[_drive('12xyS2xqFSYMkHUiVYVGVW7gaLIxuK2q6')]),
    _det('cascade_mask_rcnn_uniformer_s_3x_ms', variant='uniformer_s_h14', box_ap=52.1,
         mask_ap=45.2, params_m=79, flops_g=747,
         sources=[_drive('13IhpRkh2hE8WfDyw-5-NXSUVZjn9DX20')]),
    _det('cascade_mask_rcnn_uniformer_b_3x_ms', variant='uniformer_b_h14', box_ap=53.8,
         mask_ap=46.4, params_m=107, flops_g=878,
         sources=[_drive('13G9wc73CmS1Kb-kVelFSDlK-ezUBadzQ')]),
    # ADE20K semantic segmentation: Semantic FPN 80k.
    _seg('fpn_uniformer_xxs', variant='uniformer_xxs', miou=42.3, params_m=13.5, flops_g=None,
         sources=[_drive('1DPakdzr6G7n8t3_ZAFCx8wFX1r5h_V7-')]),
    _seg('fpn_uniformer_xs', variant='uniformer_xs', miou=44.4, params_m=19.7, flops_g=None,
         sources=[_drive('1Dj3GiQLK7YZPKSgz_Uk8JL1J66XEvw0Y')]),
    _seg('fpn_uniformer_s_h14', variant='uniformer_s_h14', miou=46.3, params_m=25, flops_g=172),
    _seg('fpn_uniformer_b_h14', variant='uniformer_b_h14', miou=47.0, params_m=54, flops_g=328,
         sources=[_drive('14XokJDp1oYDV9jZnniMXyk3AnVfk1S1-')]),
    _seg('fpn_uniformer_s_global', variant='uniformer_s', miou=46.6, params_m=25, flops_g=247,
         sources=[_drive('14bEsZqMw35tmDgrvYA_dRMsSC0Z4TX2Y')]),
    _seg('fpn_uniformer_s_w32', variant='uniformer_s', miou=45.6, params_m=25, flops_g=183,
         sources=[_drive('14bEsZqMw35tmDgrvYA_dRMsSC0Z4TX2Y')],
         weights_of='fpn_uniformer_s_global'),
    _seg('fpn_uniformer_s_h32', variant='uniformer_s', miou=46.2, params_m=25, flops_g=199,
         sources=[_drive('14bEsZqMw35tmDgrvYA_dRMsSC0Z4TX2Y')],
         weights_of='fpn_uniformer_s_global'),
    _seg('fpn_uniformer_b_global', variant='uniformer_b', miou=48.0, params_m=54, flops_g=471,
         sources=[_drive('14dLoIcAUWjyo1d5XXuo1yb2jcslt_t4P')]),
    _seg('fpn_uniformer_b_w32', variant='uniformer_b', miou=47.0, params_m=54, flops_g=310,
         sources=[_drive('14dLoIcAUWjyo1d5XXuo1yb2jcslt_t4P')],
         weights_of='fpn_uniformer_b_global'),
    _seg('fpn_uniformer_b_h32', variant='uniformer_b', miou=47.7, params_m=54, flops_g=350,
         sources=[_drive('14dLoIcAUWjyo1d5XXuo1yb2jcslt_t4P')],
         weights_of='fpn_uniformer_b_global'),
    # ADE20K: UperNet 160k (single-scale / multi-scale + flip). The S global model is also
    # the one ControlNet's annotators republish (the same SHA-256 on both Hugging Face copies).
    _seg('upernet_uniformer_s_h14', variant='uniformer_s_h14', miou=46.9, ms_miou=48.0,
         params_m=52, flops_g=947),
    _seg('upernet_uniformer_b_h14', variant='uniformer_b_h14', miou=48.9, ms_miou=50.0,
         params_m=80, flops_g=1085),
    _seg('upernet_uniformer_s_global', variant='uniformer_s', miou=47.6, ms_miou=48.5,
         params_m=52, flops_g=1004, sources=_UPERNET_S_GLOBAL),
    _seg('upernet_uniformer_s_w32', variant='uniformer_s', miou=46.6, ms_miou=48.4,
         params_m=52, flops_g=939, sources=_UPERNET_S_GLOBAL,
         weights_of='upernet_uniformer_s_global'),
    _seg('upernet_uniformer_s_h32', variant='uniformer_s', miou=47.0, ms_miou=48.5,
         params_m=52, flops_g=955, sources=_UPERNET_S_GLOBAL,
         weights_of='upernet_uniformer_s_global'),
    _seg('upernet_uniformer_b_global', variant='uniformer_b', miou=50.0, ms_miou=50.8,
         params_m=80, flops_g=1227, sources=[_drive('14bEgmFbTijBoTKTwny_aCJlARs6z31mP')]),
    _seg('upernet_uniformer_b_w32', variant='uniformer_b', miou=49.1, ms_miou=50.6,
         params_m=80, flops_g=1066, sources=[_drive('14bEgmFbTijBoTKTwny_aCJlARs6z31mP')],
         weights_of='upernet_uniformer_b_global'),
    _seg('upernet_uniformer_b_h32', variant='uniformer_b', miou=49.5, ms_miou=50.7,
         params_m=80, flops_g=1106, sources=[_drive('14bEgmFbTijBoTKTwny_aCJlARs6z31mP')],
         weights_of='upernet_uniformer_b_global'),
    # COCO keypoints, top-down heatmaps (person detector with 56 AP).
    _pose('topdown_uniformer_s_256x192', variant='uniformer_s', file_size='small',
          input_size='256x192',
          keypoint_ap=74.0, flops_g=4.7, sha256_prefix='d4a7fdac'),
    _pose('topdown_uniformer_s_384x288', variant='uniformer_s', file_size='small',
          input_size='384x288',
          keypoint_ap=75.9, flops_g=11.1, sha256_prefix='7a613f78'),
    _pose('topdown_uniformer_s_448x320', variant='uniformer_s', file_size='small',
          input_size='448x320',
          keypoint_ap=76.2, flops_g=14.8, sha256_prefix='18b760de'),
    _pose('topdown_uniformer_b_256x192', variant='uniformer_b', file_size='base',
          input_size='256x192',
          keypoint_ap=75.0, flops_g=9.2, sha256_prefix='1713bcd4'),
    _pose('topdown_uniformer_b_384x288', variant='uniformer_b', file_size='base',
          input_size='384x288',
          keypoint_ap=76.7, flops_g=14.8, sha256_prefix='c650da38'),
    _pose('topdown_uniformer_b_448x320', variant='uniformer_b', file_size='base',
          input_size='448x320',
          keypoint_ap=77.4, flops_g=29.6, sha256_prefix='a05c185f'),
    # Kinetics-400 (4 clips x 1 crop). Hugging Face first where the authors put the file there.
    _video('uniformer_video_s_8x8_k400', top1=78.4, views='8x1x4', total_flops_g=70,
           sources=[_drive('1-kitVTkWErHXI_x-sLItvK9-sOmb53j6')]),
    _video('uniformer_video_s_16x4_k400', top1=80.8, views='16x1x4', total_flops_g=167,
           sources=[_drive('1-jGZIIuTM5IYIpqkNTojhGhfMc7Gu9Kt')]),
    _video('uniformer_video_s_16x8_k400', top1=80.8, views='16x1x4', total_flops_g=167, sources=[
        Mirror(HF_VIDEO + 'uniformer_small_k400_16x8.pth',
               'd5fd7b0c49ee6a5422ef5d0c884d962c742003bfbd900747485eb99fa269d0db', size=85735325),
        Mirror(HF_ANDY + 'uniformer_small_k400_16x8.pth',
               'd5fd7b0c49ee6a5422ef5d0c884d962c742003bfbd900747485eb99fa269d0db', size=85735325),
        _drive('174muWZJcZHieABDZMKiJ0tNeFLoEkJLx')]),
    _video('uniformer_video_s_32x4_k400', top1=82.0, views='32x1x4', total_flops_g=438,
           note='no checkpoint released by the authors'),
    _video('uniformer_video_b_8x8_k400', top1=79.8, views='8x1x4', total_flops_g=161,
           sources=[_drive('1hBxGU-QE8hGRBjSNCymJ7Au06LhluvTv')]),
    _video('uniformer_video_b_16x4_k400', top1=82.0, views='16x1x4', total_flops_g=387, sources=[
        Mirror(HF_ANDY + 'uniformer_base_k400_16x4.pth',
               'a36e08ecff0a2b11020d6e88046353f80fdeb10b40fe167f2fbc0c1d976fb873', size=199525573),
        _drive('15ipzFaZdTt-aHv7jcr_h_vgYD2X7D6AD')]),
    # not in the authors' Hugging Face repository (which has B 32x4 instead): Drive only
    _video('uniformer_video_b_16x8_k400', top1=81.7, views='16x1x4', total_flops_g=387,
           sources=[_drive('1VoZcpFZbk9lEyRQ7gqRgT4CsnVt9g7uk')]),
    _video('uniformer_video_b_32x4_k400', top1=82.9, views='32x1x4', total_flops_g=1036, sources=[
        Mirror(HF_VIDEO + 'uniformer_base_k400_32x4.pth',
               'b432450566cdc4f50222e4851b5d304bba4444a699cdbb43fa529ceb18ae1f8e', size=199525573),
        _drive('1gHxx8cr1H0CNvngj1kB9ArgcPfJtqjCV')]),
    _mmaction('uniformer_video_s_16x4_k400', top1=80.9, views='16x1x4', total_flops_g=167,
              file='uniformer-small_imagenet1k-pre_16x4x1_kinetics400-rgb',
              sha256_prefix='c630a037'),
    _mmaction('uniformer_video_b_16x4_k400', top1=82.0, views='16x1x4', total_flops_g=387,
              file='uniformer-base_imagenet1k-pre_16x4x1_kinetics400-rgb',
              sha256_prefix='157c2e66'),
    _mmaction('uniformer_video_b_32x4_k400', top1=83.1, views='32x1x4', total_flops_g=1036,
              file='uniformer-base_imagenet1k-pre_32x4x1_kinetics400-rgb',
              sha256_prefix='b776322c'),
    # Kinetics-600 (4 clips x 1 crop).
    _video('uniformer_video_s_16x4_k600', top1=82.8, views='16x1x4', total_flops_g=167,
           sources=[_drive('1-dqzjm5RZVspWHQLRD4S1vo4_6jyVltb')]),
    _video('uniformer_video_s_16x8_k600', top1=82.7, views='16x1x4', total_flops_g=167, sources=[
        Mirror(HF_VIDEO + 'uniformer_small_k600_16x8.pth',
               '2a9143a63691c442b23f912ed3489e5800fc5916fb7aa1b25322ad5da2466c6f', size=86145693),
        _drive('1-c835NJjg_015WxLBQF-1cPdQsyWMWfY')]),
    _video('uniformer_video_b_16x4_k600', top1=84.0, views='16x1x4', total_flops_g=387,
           sources=[_drive('1nBQCBCsCflhZ4OGUoGB3pAkc_GDau7vd')]),
    _video('uniformer_video_b_16x8_k600', top1=83.4, views='16x1x4', total_flops_g=387,
           sources=[_drive('1aidHdSd-h65-_EUkfNOdMMw0ZB8G5maY')]),
    # The released multi-node run; the paper reports 84.8.
    _video('uniformer_video_b_32x4_k600', top1=84.5, views='32x1x4', total_flops_g=1036, sources=[
        Mirror(HF_VIDEO + 'uniformer_base_k600_32x4.pth',
               'd44685e1d12e5aa413032e7719a8be45b95a19da4e7f76ac0e811f9a6f4825ae', size=199935941),
        _drive('1-DwdVf8w8lYj-iFpU40pfEpog9VE5PQB')]),
    # Something-Something V2 / V1 (1 clip x 3 crops), from the Kinetics-400 16x4 models and
    # (prek600) from the Kinetics-600 ones; Hugging Face first where the authors put the file.
    *_something('s', 16, 'sthv2', top1=67.7, top1_prek600=69.4, total_flops_g=125,
                sources=[_drive('1-Wq22024HB7tT8kPX6eSMn2GUNMI-_gY')], prek600_sources=[
                    Mirror(HF_VIDEO + 'uniformer_small_sthv2_16_prek600.pth',
                           '6b085f96980edf491386893902a5a304a63f4da395d528bcdeef6e7464bd160f',
                           size=85271581),
                    _drive('1-V1mQp4fIIYhaXUWCgZXkJ0H6ne0Z8rz')]),
    *_something('s', 32, 'sthv2', top1=69.0, top1_prek600=70.4, total_flops_g=329,
                sources=[_drive('1-5Q5S-NRmHFkIBygaRYpJLT7aI9cpmky')],
                prek600_sources=[_drive('1-1K5R3Ed4t8d_DZnJ62xysIt1dBNmx96')]),
    *_something('b', 16, 'sthv2', top1=70.4, top1_prek600=70.2, total_flops_g=290,
                sources=[_drive('1s78JBpnykyJ7pYEGRDK8BZL9seIRIUlC')],
                prek600_sources=[_drive('16nCBGWzMM8n8Vr_EY0UmvgzLG0S_QYef')]),
    *_something('b', 32, 'sthv2', top1=71.1, top1_prek600=71.2, total_flops_g=777,
                sources=[_drive('1-rpMARXnyvyj6YUJkIvVqtna86egpjoS')], prek600_sources=[
                    Mirror(HF_VIDEO + 'uniformer_base_sthv2_32_prek600.pth',
                           'b7a74408ed230e9671d30da2f596bef84900aaaa325a5793f6cb3ba25f721eae',
                           size=199061829),
                    _drive('1-lkRB3546l_ECuObN_IrHws1C9a-qKPr')]),
    *_something('s', 16, 'sthv1', top1=57.2, top1_prek600=57.6, total_flops_g=125,
                sources=[_drive('1-bdFsmXt2Ztf43lrVgmqS8_VYJ8tub6J')], prek600_sources=[
                    Mirror(HF_VIDEO + 'uniformer_small_sthv1_16_prek600.pth',
                           '9a4dbb1e6e2adeb817959edcfbd43cdbb41c7e5c1393f6a3335d0a089d4ba424'),
                    _drive('1-YbYGjM15MDtQnrmCeZ9H2ybNdYTFkgO')]),
    *_something('s', 32, 'sthv1', top1=58.8, top1_prek600=59.9, total_flops_g=329,
                sources=[_drive('1-Y5ADssqM2C8o_1jix48fQM788mVGWQ3')],
                prek600_sources=[_drive('1-XEgaGqXGp1EGzFl63ctApnvU54X27WP')]),
    *_something('b', 16, 'sthv1', top1=59.1, top1_prek600=58.8, total_flops_g=290,
                sources=[_drive('1uMq4W5lf17vOHUmccNjYLeTMqaWHSh6v')],
                prek600_sources=[_drive('1xpiL8zEDWYHFR55gOsbQiI41YEjTD89J')]),
    *_something('b', 32, 'sthv1', top1=60.9, top1_prek600=61.0, total_flops_g=777,
                sources=[_drive('18A3FuUUbdQ8ehMQ0D78qTTtm6YmIVWaO')], prek600_sources=[
                    Mirror(HF_VIDEO + 'uniformer_base_sthv1_32_prek600.pth',
                           '8da7f948d7fcc72444dd3783ff12fb18e997d78acc3d70135d14687433448090',
                           size=199061829),
                    _drive('1xE1aJYAYFOlXOkpiIbJFHu_jSrr8reKm')]),
])
# Every entry in catalogue order: a live view of WEIGHTS (not a second table).
ENTRIES = WEIGHTS.values()


def get_entry(name: str) -> ZooWeights:
    if name not in WEIGHTS:
        raise ZooError(f'Unknown model-zoo name {name!r}. Known weights: {sorted(WEIGHTS)}.')
    return WEIGHTS[name]


def _parameter_row(variant: str) -> Optional[dict]:
    """The rows of the variant table without the attention layout (stage 3's kind of
    attention, the window size): two variants with equal rows have the same parameters."""
    row = ARCH_SETTINGS.get(variant)
    return None if row is None else {k: v for k, v in row.items()
                                     if k not in ('stage3_attention', 'window_size')}


def imagenet_entry(variant: str) -> ZooWeights:
    """The ImageNet-1K file a backbone ``variant`` starts from: the first 224-px classifier
    whose backbone row differs only in the attention layout (the h14/w32/h32 variants share
    their global variant's weights: a window has no parameters); plain training before token
    labeling where both fit (``uniformer_s``: ``uniformer_small_in1k``)."""
    row = _parameter_row(variant)
    for entry in WEIGHTS.values():
        if (row is not None and entry.task == 'cls' and entry.input_size == 224
                and _parameter_row(entry.variant) == row):
            return entry
    raise ZooError(f'No ImageNet-1K weights in the model zoo for variant {variant!r}.')


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
    'k400': ((ClassListFile('k400_authors.txt', _AUTHORS_LISTS + 'k400/' + AUTHORS_K400_CLASSES,
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
