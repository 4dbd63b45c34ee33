"""Data side of STAN (:mod:`uniformer_dense.models.stan`): sampling a long video, and the
feature cache.

- :class:`SampleLongVideo`: MMAction2's ``SampleFrames`` with ``num_clips`` clips spread
  evenly over the whole video (random offset inside each segment when training), and
  ``static_frames`` single frames over the whole video for the image backbone, that also
  records where each decoded frame sits in the video (``frame_times`` in [0, 1] and
  ``frame_seconds``, STAN's time codes) and says in the log when a video is shorter than the
  sampling asks for.

  **Short videos** (documented policy): a video with fewer than ``num_clips x clip_len x
  frame_interval`` frames is still sampled with ``num_clips`` clips: neighbouring clips
  overlap (share frames); a video shorter than one clip (``clip_len x frame_interval``)
  loops (frame ``i`` reads frame ``i % total_frames``; ``out_of_bound_opt='repeat_last'``
  repeats the last frame instead, i.e. pads). Either way the run goes on and one warning per
  file names the video, its length and what was done.
- :func:`extract_features` (``tools/extract_features.py``): runs the frozen backbones of a
  STAN config once over the listed videos (the test pipeline: deterministic sampling) and
  writes one ``.pt`` file per video (``static``, ``temporal``, ``static_times``,
  ``clip_times``, and ``static_seconds``/``clip_seconds`` when the sampler gives seconds;
  plain tensors, loadable with ``weights_only=True``) under the feature
  directory, mirroring the list's relative paths (``videos/a.mp4`` ->
  ``FEATURES/videos/a.mp4.pt``). Existing files are kept (an interrupted extraction
  resumes); each file is written atomically.
  With ``views=K`` (``--views K``) the train split gets K augmented views per video
  instead (the train pipeline, view k made with the seed :func:`view_seed`), stacked in its
  file.
- :class:`STANFeatureDataset` + ``LoadSTANFeatures`` + ``PackSTANFeatures``: the same list
  file read against the feature directory, for training the transformer on cached features;
  :class:`FeatureViewSampler` gives one of a file's K views per epoch (drawn from the
  sampler's seed, the epoch and the index: resumable).
- :func:`sampling_coverage`: what share of a video a sampler lets STAN see.
- Regression (LVU's ``like_ratio`` and ``view_count``): :class:`VideoRegressionDataset`
  (``PATH VALUE`` lists; ``STANFeatureDataset(regression=True)`` for cached features) and
  :class:`RegressionMetric` (mean squared error, LVU's measure); the head is
  :class:`~uniformer_dense.models.stan.STANRegressionHead`.

Importing the module registers these in MMAction2's registries.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmaction.datasets import VideoDataset
from mmaction.datasets.transforms import SampleFrames
from mmaction.registry import DATA_SAMPLERS, DATASETS, METRICS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform
from mmengine.config import Config
from mmengine.dataset import DefaultSampler
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS, DefaultScope
from mmengine.runner import set_random_seed
from mmengine.utils import ProgressBar

from .apis import init_model
from .atomic_io import atomic_write
from .datacheck import DatasetError, check_datasets
from .datacheck.video_lists import (check_video_list, register_video_list_dataset,
                                    regression_target)
from .errors import ConfigError
from .models.stan import in_clip_static_positions

FEATURE_SUFFIX = '.pt'
#: Written next to the features: which backbone weights made them.
FEATURE_META = 'stan_features.json'


@TRANSFORMS.register_module()
class SampleLongVideo(SampleFrames):
    """``num_clips`` clips of ``clip_len`` frames (every ``frame_interval``-th) spread over
    the whole video, kept together as one sample (STAN's M clips; not test views), and
    optionally ``static_frames`` single frames for the image backbone spread over the whole
    video as well.

    Clips: MMAction2's segment sampling (a random offset inside each of the M segments when
    training, the segment's centre at test).

    Static frames (``static_frames`` = N > 0, a multiple of ``clip_len``): the video is cut
    into N equal segments and one frame is taken in each (random position when training, the
    centre at test), so the cheap stream covers the whole video instead of the frames inside
    the clips. They are decoded with the clips and appended after them as N / clip_len extra
    "clips" (``num_clips`` in the results becomes M + N / clip_len, so ``FormatShape`` packs
    one tensor); ``static_frames`` in the results (and in the data sample's metainfo, through
    ``PackActionInputs``' ``meta_keys``) tells STAN where the clips end. With
    ``static_frames=0`` STAN's image backbone sees frames inside the clips
    (``static_frames_per_clip``).

    Adds ``frame_times`` (every decoded frame's position in the video, in [0, 1]: STAN's
    time code) and ``frame_seconds`` (the same in seconds, from the reader's ``avg_fps``;
    30 when the reader gives none). See the module docstring for the short-video policy."""

    def __init__(self, clip_len: int, frame_interval: int = 1, num_clips: int = 16,
                 static_frames: int = 0, out_of_bound_opt: str = 'loop',
                 test_mode: bool = False, **kwargs):
        if (not isinstance(static_frames, int) or static_frames < 0
                or static_frames % clip_len):
            raise ConfigError(
                f'SampleLongVideo static_frames={static_frames!r}: give 0 (the image backbone '
                f'sees frames inside the clips) or a positive multiple of clip_len={clip_len} '
                f'(the static frames are packed as extra clips of that length).')
        super().__init__(clip_len=clip_len, frame_interval=frame_interval,
                         num_clips=num_clips, out_of_bound_opt=out_of_bound_opt,
                         test_mode=test_mode, **kwargs)
        self.static_frames = static_frames
        self._warned = set()

    def static_indices(self, total: int) -> np.ndarray:
        """One frame in each of ``static_frames`` equal segments of a ``total``-frame video:
        a random position when training, the centre at test (0-based)."""
        n = self.static_frames
        length = total / n
        offsets = (np.full(n, length / 2) if self.test_mode
                   else np.random.uniform(0, length, n))
        inds = np.floor(np.arange(n) * length + offsets).astype(np.int64)
        return inds.clip(0, max(total - 1, 0))

    def transform(self, results: dict) -> dict:
        total = int(results['total_frames'])
        results = super().transform(results)
        inds = np.asarray(results['frame_inds']).astype(np.int64)
        if self.static_frames:
            inds = np.concatenate([inds, self.static_indices(total)
                                   + results.get('start_index', 0)])
            results['frame_inds'] = inds
            results['num_clips'] = self.num_clips + self.static_frames // self.clip_len
        results['static_frames'] = self.static_frames
        results['frame_times'] = (inds / max(total - 1, 1)).clip(0, 1).astype(np.float32)
        fps = float(results.get('avg_fps') or 30.)
        results['frame_seconds'] = (inds / fps).astype(np.float32)
        self._warn_if_short(results.get('filename', '?'), total)
        return results

    def _warn_if_short(self, filename: str, total: int) -> None:
        span = self.clip_len * self.frame_interval
        wanted = span * self.num_clips
        if total >= wanted or filename in self._warned:
            return
        self._warned.add(filename)
        if total < span:
            how = ('frame indices loop (frame i reads frame i % {})'.format(total)
                   if self.out_of_bound_opt == 'loop' else 'its last frame is repeated')
            what = f'shorter than one clip ({span} frames): all clips start at 0 and {how}'
        else:
            what = 'the clips overlap (neighbouring clips share frames)'
        print_log(f'Video {filename!r} has {total} frames, fewer than the {wanted} that '
                  f'{self.num_clips} clips x {self.clip_len} frames x interval '
                  f'{self.frame_interval} ask for: {what}.', logger='current',
                  level=logging.WARNING)


def sampling_coverage(sampler: SampleLongVideo, total_frames: int, fps: float,
                      static_frames_per_clip: int = 2, reach_s: float = 1.) -> dict:
    """What a test-mode ``sampler`` lets STAN see of a ``total_frames``-frame video at
    ``fps``: the shares of the video's frames that lie inside a sampled clip's span
    (``clips``), within ``reach_s`` seconds of a static frame (``static``), and either
    (``covered``). Static frames are the sampler's own (``static_frames``) or, without them,
    ``static_frames_per_clip`` frames inside each clip (STAN's fallback)."""
    if not sampler.test_mode:
        raise ValueError('sampling_coverage measures the test-mode sampling (test_mode=True).')
    total = int(total_frames)
    results = sampler.transform(dict(total_frames=total, start_index=0, avg_fps=fps,
                                     filename=f'<{total} frames at {fps:g} fps>'))
    inds = np.asarray(results['frame_inds'], dtype=np.int64)
    m, t = sampler.num_clips, sampler.clip_len
    clips = inds[:m * t].reshape(m, t)
    in_clip = np.zeros(total, bool)
    for clip in clips:
        in_clip[clip.min():clip.max() + 1] = True
    if sampler.static_frames:
        static = inds[m * t:]
    else:
        static = clips[:, in_clip_static_positions(t, static_frames_per_clip)].ravel()
    near = np.zeros(total, bool)
    reach = int(round(reach_s * fps))
    for frame in static:
        near[max(frame - reach, 0):frame + reach + 1] = True
    return dict(clips=float(in_clip.mean()), static=float(near.mean()),
                covered=float((in_clip | near).mean()), static_frames=int(len(static)),
                decoded_frames=int(len(inds)))


def read_regression_list(ann_file: str, video_dir: Optional[str],
                         delimiter: str = ' ') -> list:
    """The samples of a ``PATH VALUE`` list (real-valued targets, e.g. LVU's like ratio and
    log view count): ``label`` is a float tensor of one value, as MMAction2's data samples
    carry labels."""
    data = []
    with open(ann_file) as f:
        for lineno, line in enumerate(f, 1):
            fields = line.strip().split(delimiter)
            value = regression_target(fields[1:])
            if value is None:
                raise DatasetError(f'{ann_file!r} line {lineno}: {line.strip()!r} is not '
                                   f'"PATH VALUE" with a finite number as VALUE.')
            name = osp.join(video_dir, fields[0]) if video_dir else fields[0]
            data.append(dict(filename=name, label=torch.tensor([value])))
    return data


@DATASETS.register_module()
class VideoRegressionDataset(VideoDataset):
    """MMAction2's ``VideoDataset`` over a ``PATH VALUE`` list: one real-valued target per
    video (LVU's ``like_ratio`` and ``view_count``), for :class:`STANRegressionHead` and
    :class:`RegressionMetric`."""

    def load_data_list(self):
        # the harness's list check, here too so that upstream tools/train.py stops early
        check_video_list(self.ann_file, self.data_prefix.get('video') or '',
                         type(self).__name__, ds=dict(delimiter=self.delimiter, regression=True))
        return read_regression_list(self.ann_file, self.data_prefix.get('video'),
                                    self.delimiter)


@DATASETS.register_module()
class STANFeatureDataset(VideoDataset):
    """A video list (MMAction2's ``PATH LABEL`` / multi-label ``PATH L1 L2 ...`` lines; with
    ``regression=True`` ``PATH VALUE``) read against a feature directory written by
    :func:`extract_features`: sample ``i`` is ``feature_dir/PATH.pt``. Give the directory as
    ``data_prefix=dict(video=FEATURES)``."""

    def __init__(self, *args, regression: bool = False, **kwargs):
        self.regression = regression
        self._view_key = None
        super().__init__(*args, **kwargs)

    def __getitem__(self, idx):
        # FeatureViewSampler hands (index, epoch, seed): the view of a many-view file is
        # drawn from them (LoadSTANFeatures), the same on a resumed run
        if isinstance(idx, (tuple, list)):
            idx, self._view_key = int(idx[0]), tuple(int(k) for k in idx[1:])
        return super().__getitem__(idx)

    def get_data_info(self, idx):
        info = super().get_data_info(idx)
        if self._view_key is not None:
            info['view_key'] = (*self._view_key, int(idx))
        return info

    def load_data_list(self):
        # the harness's list check, here too so that upstream tools/train.py stops early
        check_video_list(self.ann_file, self.data_prefix.get('video') or '',
                         type(self).__name__,
                         ds=dict(multi_class=self.multi_class, num_classes=self.num_classes,
                                 delimiter=self.delimiter, regression=self.regression),
                         feature_suffix=FEATURE_SUFFIX)
        if self.regression:
            return read_regression_list(self.ann_file, self.data_prefix.get('video'),
                                        self.delimiter)
        return super().load_data_list()


@DATA_SAMPLERS.register_module()
class FeatureViewSampler(DefaultSampler):
    """MMEngine's ``DefaultSampler`` that hands :class:`STANFeatureDataset` ``(index, epoch,
    seed)``: a feature file with K augmented views (``tools/extract_features.py --views K``)
    then gives one view per epoch, drawn from (seed, epoch, index): another view next epoch,
    the same one when a run resumes at that epoch."""

    def __iter__(self):
        for index in super().__iter__():
            yield (index, self.epoch, self.seed)


def pick_view(views: int, key) -> int:
    """The view of a K-view feature file that the sample with ``key`` ((epoch, seed, index),
    or None: view 0) reads."""
    if key is None or views <= 1:
        return 0
    return int(np.random.default_rng([abs(int(k)) for k in key]).integers(views))


def _stream_features(model, sample) -> dict:
    """One decoded sample -> its stream features (CPU tensors, the batch axis dropped)."""
    feats = model.sample_features([sample])
    return {k: v[0].detach().cpu().contiguous() for k, v in feats.items()}


# the harness's check reads their lists (against the feature directory; real-valued targets)
register_video_list_dataset(STANFeatureDataset.__name__, feature_suffix=FEATURE_SUFFIX)
register_video_list_dataset(VideoRegressionDataset.__name__, regression=True)


@METRICS.register_module()
class RegressionMetric(BaseMetric):
    """Mean squared error (LVU's measure of its regression tasks) and mean absolute error of
    one predicted value per video (``pred_score``) against its target (``gt_label``):
    ``regression/mse``, ``regression/mae``."""
    default_prefix = 'regression'

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            self.results.append((float(sample['pred_score'].reshape(-1)[0]),
                                 float(sample['gt_label'].reshape(-1)[0])))

    def compute_metrics(self, results: list) -> dict:
        if not results:
            raise ValueError('RegressionMetric: no samples were evaluated (an empty list?).')
        pred, target = np.asarray(results, dtype=np.float64).T
        return dict(mse=float(np.mean((pred - target) ** 2)),
                    mae=float(np.mean(np.abs(pred - target))))


@TRANSFORMS.register_module()
class LoadSTANFeatures(BaseTransform):
    """Read ``filename + '.pt'`` (safe loading) into ``results['stan_features']``."""

    def transform(self, results: dict) -> dict:
        path = results['filename'] + FEATURE_SUFFIX
        try:
            feats = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as exc:
            raise DatasetError(
                f'Cached features {path!r} cannot be read ({type(exc).__name__}: {exc}). '
                f'Delete the file and run tools/extract_features.py again (it writes only '
                f'missing files).') from exc
        # builds MMAction2's model zoo: only when read
        from .models.stan import FEATURE_KEYS, SECONDS_KEYS
        lacking = [k for k in FEATURE_KEYS if k not in feats]
        if lacking:
            raise DatasetError(f'Cached features {path!r} lack {lacking}: not a file of '
                               f'tools/extract_features.py. Delete it and extract again.')
        keys = [k for k in FEATURE_KEYS + SECONDS_KEYS if k in feats]
        views = int(feats.get('views', 1))
        if views > 1:  # augmented views, stacked on a leading axis
            view = pick_view(views, results.get('view_key'))
            results['stan_features'] = {k: feats[k][view] for k in keys}
            results['feature_view'] = view
        else:
            results['stan_features'] = {k: feats[k] for k in keys}
        return results


@TRANSFORMS.register_module()
class PackSTANFeatures(BaseTransform):
    """Cached features as a STAN input (a dict of tensors) with the label, as
    ``PackActionInputs`` packs decoded clips."""

    def __init__(self, meta_keys: Sequence[str] = ('filename', 'total_frames')):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        sample = ActionDataSample()
        if 'label' in results:
            sample.set_gt_label(results['label'])
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=results['stan_features'], data_samples=sample)


def backbone_fingerprint(model) -> str:
    """SHA-256 (16 hex digits) of the weights and buffers of a STAN's two backbones: cached
    features belong to exactly these."""
    digest = hashlib.sha256()
    for name in ('backbone', 'image_backbone'):
        for key, value in sorted(getattr(model, name).state_dict().items()):
            digest.update(f'{name}.{key}'.encode())
            digest.update(value.detach().cpu().reshape(-1).contiguous().view(torch.uint8)
                          .numpy().tobytes())
    return digest.hexdigest()[:16]


def read_feature_meta(feature_dir: str) -> Optional[dict]:
    path = osp.join(feature_dir, FEATURE_META)
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return json.load(f)


@HOOKS.register_module()
class STANFeatureCheckHook(Hook):
    """Before training or testing on cached features: the model's backbones must be the
    ones that made them (same fingerprint as ``FEATURES/stan_features.json``). Otherwise the
    transformer would learn on one set of backbones and be saved with another, and the
    checkpoint would give other answers on videos. Named in the cached configs'
    ``custom_hooks``."""
    priority = 'VERY_HIGH'

    def __init__(self, feature_dir: str):
        self.feature_dir = feature_dir

    def _check(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        meta = read_feature_meta(self.feature_dir)
        if meta is None:
            raise DatasetError(
                f'{self.feature_dir!r} has no {FEATURE_META}: not a feature directory written '
                f'by tools/extract_features.py (or an interrupted first run). Extract with '
                f'python tools/extract_features.py CONFIG [CHECKPOINT] --out-dir '
                f'{self.feature_dir}.')
        ours = backbone_fingerprint(model)
        if meta.get('fingerprint') != ours:
            raise DatasetError(
                f'The features in {self.feature_dir!r} were extracted with other backbone '
                f'weights (fingerprint {meta.get("fingerprint")}, from {meta.get("config")} '
                f'with checkpoint {meta.get("checkpoint")}) than this model has ({ours}). '
                f'Start from the same weights (load_from= the checkpoint given to '
                f'extract_features.py, or the same pretrained backbones), or extract again '
                f'with --overwrite into this directory.')

    def before_train(self, runner):
        self._check(runner)

    def before_test(self, runner):
        self._check(runner)


def feature_file(feature_dir: str, relative_video: str) -> str:
    return osp.join(feature_dir, relative_video + FEATURE_SUFFIX)


def _test_dataset(cfg, split: str, pipeline=None):
    """The split's list with the config's *test* pipeline (deterministic sampling), or with
    ``pipeline``."""
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        return None
    ds = dict(loader['dataset'])
    while 'dataset' in ds and ds.get('type') != 'VideoDataset':  # unwrap repeat wrappers
        ds = dict(ds['dataset'])
    ds['pipeline'] = pipeline or cfg.test_dataloader.dataset.pipeline
    ds['test_mode'] = True
    ds['type'] = 'VideoDataset'
    for key in ('num_repeats', 'sample_once'):
        ds.pop(key, None)
    with DefaultScope.overwrite_default_scope('mmaction'):
        return DATASETS.build(ds)


def view_seed(relative_video: str, view: int) -> int:
    """The random seed of augmented view ``view`` of a video (its path in the list): fixed,
    so a view can be made again live (``set_random_seed(view_seed(...))`` + the train
    pipeline) and compared with the cache."""
    digest = hashlib.sha256(f'{relative_video}#{view}'.encode()).digest()
    return int.from_bytes(digest[:4], 'little') & 0x7fffffff


def _train_pipeline(cfg) -> list:
    """The decoding train pipeline of a STAN config (``train_pipeline``, else the train
    dataset's when it decodes videos)."""
    pipeline = cfg.get('train_pipeline') or cfg.train_dataloader.dataset.get('pipeline')
    if not pipeline or not any('clip_len' in t for t in pipeline):
        raise ConfigError(f'{cfg.filename}: augmented views need a train pipeline that decodes '
                          f'videos (train_pipeline or train_dataloader.dataset.pipeline with '
                          f'SampleLongVideo); extract from the video config, not the cached one.')
    return pipeline


def extract_features(config, checkpoint: Optional[str], out_dir: str,
                     splits: Sequence[str] = ('train', 'val', 'test'), device: str = 'cpu',
                     overwrite: bool = False, progress: bool = True, views: int = 1) -> dict:
    """Write the stream features of every video of ``splits`` (see the module docstring).
    ``views`` > 1: the train split gets that many augmented views per video (the config's
    train pipeline: random clip positions, crop, flip), each made with the seed
    :func:`view_seed` and stacked on a leading axis (``views`` in the file);
    :class:`FeatureViewSampler` then gives one per epoch. Returns ``{'written': n,
    'kept': n}``."""
    if not (isinstance(views, int) and views >= 1):
        raise ConfigError(f'--views {views!r}: give a positive number of views per video.')
    # the lists and videos first: a missing list or video is named before weights load
    check_datasets(Config.fromfile(str(config)), splits)
    model = init_model(config, checkpoint, device=device)
    if checkpoint is None:  # the backbones' own weights (their init_cfg), e.g. zoo files
        model.init_weights()
        model.eval()
    if getattr(model, 'finetune_backbones', True):
        raise ConfigError(f'{config}: feature caching needs frozen backbones (a STAN model with '
                         f'finetune_backbones=False); fine-tuned backbones change the features '
                         f'every step.')
    cfg = model.cfg
    fingerprint = backbone_fingerprint(model)
    meta = read_feature_meta(out_dir)
    if meta is not None and meta.get('fingerprint') != fingerprint and not overwrite:
        raise DatasetError(
            f'{out_dir!r} holds features of other backbone weights (fingerprint '
            f'{meta.get("fingerprint")}, from {meta.get("config")} with checkpoint '
            f'{meta.get("checkpoint")}); these backbones are {fingerprint}. Use another '
            f'--out-dir, or --overwrite to replace them all.')
    train_views = views if 'train' in splits else (meta or {}).get('train_views', 1)
    if (meta is not None and 'train' in splits and meta.get('train_views', 1) != views
            and not overwrite):
        raise DatasetError(
            f'{out_dir!r} holds {meta.get("train_views", 1)} view(s) per training video; '
            f'--views {views} asks for another number. Use another --out-dir, or --overwrite '
            f'to replace them all.')
    os.makedirs(out_dir, exist_ok=True)
    atomic_write(osp.join(out_dir, FEATURE_META), json.dumps(dict(
        fingerprint=fingerprint, config=str(config), checkpoint=checkpoint,
        static_frames_per_clip=model.static_frames_per_clip, train_views=train_views),
        indent=2).encode())
    counts = dict(written=0, kept=0)
    for split in splits:
        k = views if split == 'train' else 1
        dataset = _test_dataset(cfg, split, _train_pipeline(cfg) if k > 1 else None)
        if dataset is None:
            continue
        root = dataset.data_prefix.get('video') or ''
        bar = ProgressBar(len(dataset)) if progress else None
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            rel = osp.relpath(info['filename'], root) if root else info['filename']
            dest = feature_file(out_dir, rel)
            if osp.isfile(dest) and not overwrite:
                counts['kept'] += 1
            else:
                if k == 1:
                    feats = _stream_features(model, dataset[i])
                else:
                    made = []
                    for view in range(k):
                        set_random_seed(view_seed(rel, view))
                        made.append(_stream_features(model, dataset[i]))
                    feats = {key: torch.stack([m[key] for m in made]) for key in made[0]}
                    feats['views'] = torch.tensor(k)
                buf = io.BytesIO()
                torch.save(feats, buf)
                os.makedirs(osp.dirname(dest) or '.', exist_ok=True)
                atomic_write(dest, buf.getvalue())
                counts['written'] += 1
            if bar is not None:
                bar.update()
    return counts
