"""Checks while the data is loaded: pipeline steps that name the file a sample fails in.

Some damage is only found by reading a sample, and then the toolboxes report it far from
its cause: an out-of-range label as ``IndexError: Target 7 is out of bounds`` in the loss
(or, in evaluation, silently ignored by the IoU histogram), a damaged video stream as a bare
``DECORDError`` from inside a dataloader worker, without the file name (``DecordInit``
hands decord a byte buffer). The steps here raise a
:class:`~uniformer_dense.datacheck.DatasetError` naming the file and what to do instead:

- MMSegmentation: :class:`CheckSegLabels` (registered by :func:`register_transforms`),
  put after every ``LoadAnnotations`` by :func:`add_label_checks`.
- MMAction2: :class:`CheckedDecordInit` and :class:`CheckedDecordDecode` (registered by
  :func:`register_video_transforms`), put in place of ``DecordInit`` / ``DecordDecode`` by
  :func:`add_decode_checks`.

The classes are defined inside the registration functions, which import the toolbox, so
that importing this module needs neither toolbox (only MMEngine).

Short videos: a clip of ``SampleFrames(clip_len, frame_interval)`` spans
``clip_len * frame_interval`` frames. MMAction2 samples a shorter video anyway, looping its
frame indices (``out_of_bound_opt='loop'``, the default: index ``i`` reads frame
``i % total_frames``) or repeating its last frame (``'repeat_last'``). That is its intended
behaviour, so it is kept; :class:`CheckedDecordInit` logs one warning per short file so that
it is not silent.
"""
from __future__ import annotations

import logging

import numpy as np
from mmengine.logging import print_log

from .common import DatasetError, leaf_datasets, type_name
from .video_lists import register_video_list_dataset

# --- MMSegmentation: label maps ------------------------------------------------------------


def register_transforms():
    """Register :class:`CheckSegLabels` in MMSegmentation's transform registry."""
    from mmcv.transforms import BaseTransform
    from mmseg.registry import TRANSFORMS

    if 'CheckSegLabels' in TRANSFORMS.module_dict:
        return

    @TRANSFORMS.register_module()
    class CheckSegLabels(BaseTransform):
        """Fail on a label map with values outside ``[0, num_classes)`` and ``ignore_index``,
        naming the file; place it right after ``LoadAnnotations``."""

        def __init__(self, num_classes: int, ignore_index: int = 255):
            self.num_classes = num_classes
            self.ignore_index = ignore_index

        def transform(self, results: dict) -> dict:
            values = np.unique(results['gt_seg_map'])
            bad = values[(values >= self.num_classes) & (values != self.ignore_index)]
            bad = np.concatenate([values[values < 0], bad])
            if bad.size:
                raise DatasetError(
                    f'Label map {results.get("seg_map_path")!r} (image '
                    f'{results.get("img_path")!r}) has values {bad.tolist()[:10]} outside the '
                    f'{self.num_classes} classes 0..{self.num_classes - 1} and the ignore '
                    f'index {self.ignore_index} (after reduce_zero_label, if set). Fix the '
                    f'map, or num_classes / reduce_zero_label in the config.')
            return results

        def __repr__(self):
            return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                    f'ignore_index={self.ignore_index})')


def add_label_checks(cfg) -> None:
    """Insert ``CheckSegLabels`` after every ``LoadAnnotations`` of a segmentation config's
    dataloaders (the number of classes and ignore index come from the decode head)."""
    head = cfg.model.get('decode_head')
    if isinstance(head, (list, tuple)):
        head = head[-1]
    if not head or 'num_classes' not in head:
        return
    check = dict(type='CheckSegLabels', num_classes=head['num_classes'],
                 ignore_index=head.get('ignore_index', 255))
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader or 'dataset' not in loader:
            continue
        for ds, _ in leaf_datasets(loader['dataset'], split):
            _insert_after_load(ds.get('pipeline') or [], check)


def _insert_after_load(pipeline: list, check: dict) -> None:
    # TestTimeAug's groups are alternatives, not steps: its pipeline is left as it is.
    for i, t in enumerate(pipeline):
        if isinstance(t, dict) and t.get('type') == 'LoadAnnotations':
            if not (i + 1 < len(pipeline) and pipeline[i + 1].get('type') == 'CheckSegLabels'):
                pipeline.insert(i + 1, dict(check))
            return


# --- MMAction2: video decoding -------------------------------------------------------------

_CHECKED = {'DecordInit': 'CheckedDecordInit', 'DecordDecode': 'CheckedDecordDecode'}


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f'{type(exc).__name__}: {text[-1] if text else ""}'.strip()


def register_video_transforms():
    """Register the checking decoders in MMAction2's transform registry (and the
    ``RepeatAugDataset`` that uses them, :class:`CheckedRepeatAugDataset`)."""
    from mmaction.datasets import RepeatAugDataset
    from mmaction.datasets.transforms import DecordDecode, DecordInit
    from mmaction.registry import DATASETS, TRANSFORMS

    if 'CheckedDecordInit' in TRANSFORMS.module_dict:
        return

    @TRANSFORMS.register_module()
    class CheckedDecordInit(DecordInit):
        """``DecordInit`` that names the file when decord cannot open it, and warns once per
        file shorter than ``min_frames`` (the span of the pipeline's clips)."""

        def __init__(self, min_frames: int = 0, out_of_bound_opt: str = 'loop', **kwargs):
            super().__init__(**kwargs)
            self.min_frames = min_frames
            self.out_of_bound_opt = out_of_bound_opt
            self._warned = set()

        def transform(self, results: dict) -> dict:
            filename = results['filename']
            try:
                results = super().transform(results)
            except Exception as exc:  # decord raises its own DECORDError, or RuntimeError
                raise DatasetError(
                    f'Video {filename!r} cannot be opened by decord ({_reason(exc)}): the file '
                    f'is damaged or in a format decord cannot read. Download or re-encode it '
                    f'(ffmpeg -i IN -c:v libx264 OUT.mp4), or remove its line from the list '
                    f'file.') from exc
            frames = results['total_frames']
            if frames <= 0:
                raise DatasetError(f'Video {filename!r} has no frames. Download or re-encode '
                                   f'it, or remove its line from the list file.')
            if frames < self.min_frames and filename not in self._warned:
                self._warned.add(filename)
                how = ('loops it (frame i is read as frame i % '
                       f'{frames})' if self.out_of_bound_opt == 'loop'
                       else 'repeats its last frame')
                print_log(f'Video {filename!r} has {frames} frames, fewer than the '
                          f'{self.min_frames} a clip spans (clip_len x frame_interval): '
                          f'SampleFrames {how}.', logger='current', level=logging.WARNING)
            return results

        def __repr__(self):
            return (f'{type(self).__name__}(io_backend={self.io_backend}, '
                    f'num_threads={self.num_threads}, min_frames={self.min_frames})')

    @TRANSFORMS.register_module()
    class CheckedDecordDecode(DecordDecode):
        """``DecordDecode`` that names the file when its frames cannot be decoded."""

        def transform(self, results: dict) -> dict:
            filename = results.get('filename')
            inds = results.get('frame_inds')
            try:
                return super().transform(results)
            except Exception as exc:
                where = ''
                if inds is not None and len(inds):
                    where = f' (frames {int(min(inds))}..{int(max(inds))} of ' \
                            f'{results.get("total_frames")})'
                raise DatasetError(
                    f'Video {filename!r}: decoding failed{where} ({_reason(exc)}): the stream '
                    f'is damaged or cut short. Download or re-encode it (ffmpeg -i IN -c:v '
                    f'libx264 OUT.mp4), or remove its line from the list file.') from exc

    @DATASETS.register_module()
    class CheckedRepeatAugDataset(RepeatAugDataset):
        """``RepeatAugDataset`` with the checking decoders. MMAction2's class insists on
        the type names ``DecordInit`` / ``DecordDecode`` as the pipeline's first and third
        steps and calls them by position, so the config keeps those names and the built
        steps are replaced here, with their settings."""

        def __init__(self, *args, min_frames: int = 0, out_of_bound_opt: str = 'loop',
                     **kwargs):
            super().__init__(*args, **kwargs)
            steps = self.pipeline.transforms
            for i, cls in ((0, CheckedDecordInit), (2, CheckedDecordDecode)):
                checked = cls.__new__(cls)
                checked.__dict__.update(vars(steps[i]))
                steps[i] = checked
            steps[0].min_frames = min_frames
            steps[0].out_of_bound_opt = out_of_bound_opt
            steps[0]._warned = set()

    register_video_list_dataset(CheckedRepeatAugDataset.__name__)  # its list is checked too


def _clip_span(pipeline: list):
    for t in pipeline:
        if isinstance(t, dict) and type_name(t) == 'SampleFrames':
            return (t.get('clip_len', 1) * t.get('frame_interval', 1),
                    t.get('out_of_bound_opt', 'loop'))
    return 0, 'loop'


def add_decode_checks(cfg, splits=('train', 'val', 'test')) -> None:
    """Replace ``DecordInit`` / ``DecordDecode`` in the video pipelines of ``splits`` with
    the checking versions (same arguments; the init step also learns the clip span of the
    pipeline's ``SampleFrames``, for the short-video warning); a ``RepeatAugDataset``
    becomes a :class:`CheckedRepeatAugDataset`."""
    register_video_transforms()
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or 'dataset' not in loader:
            continue
        for ds, _ in leaf_datasets(loader['dataset'], split):
            pipeline = ds.get('pipeline') or []
            span, opt = _clip_span(pipeline)
            if type_name(ds) == 'RepeatAugDataset':
                ds.update(type='CheckedRepeatAugDataset', min_frames=span,
                          out_of_bound_opt=opt)
                continue
            for i, t in enumerate(pipeline):
                kind = type_name(t) if isinstance(t, dict) else ''
                if kind in _CHECKED:
                    # a new dict: pipelines may share their step dicts (config base pieces)
                    step = dict(t, type=_CHECKED[kind])
                    if kind == 'DecordInit':
                        step.update(min_frames=span, out_of_bound_opt=opt)
                    pipeline[i] = step
