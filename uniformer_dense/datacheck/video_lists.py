"""MMAction2's list files, read line by line before a run: ``PATH LABEL`` video lists and
``DIR TOTAL_FRAMES LABEL`` raw-frame lists.

A malformed line, a label outside ``model.cls_head.num_classes``, a listed video or frame
folder that does not exist, and a video file that is empty, not a video container, or cut
short (:mod:`uniformer_dense.datacheck.videofile`) each stop the run before it starts.

Which dataset types read which list is a table: MMAction2's own types are in it from the
start; a module that defines another list-reading dataset adds it with
:func:`register_video_list_dataset` (``CheckedRepeatAugDataset`` in
:mod:`uniformer_dense.datacheck.transforms`, STAN's ``STANFeatureDataset`` in
:mod:`uniformer_dense.long_video`), so this module names no type of the modules above it.
"""
from __future__ import annotations

import math
import os.path as osp
from typing import Dict, List, Optional, Tuple

from .common import DatasetError, join_root, show_items, type_name
from .videofile import video_file_problem

#: Dataset types that read a "PATH LABEL" video list -> the suffix each PATH gets in
#: ``data_prefix.video`` when the list is read against a directory of cached features
#: (None: PATH is the video itself).
VIDEO_LIST_DATASETS: Dict[str, Optional[str]] = {'VideoDataset': None, 'RepeatAugDataset': None}
#: Dataset types that read a "DIR TOTAL_FRAMES LABEL" raw-frame list.
RAWFRAME_LIST_DATASETS = ('RawframeDataset',)


#: Dataset types whose "PATH VALUE" lines carry a real-valued target (regression).
REGRESSION_LIST_DATASETS = set()


def register_video_list_dataset(dataset_type: str, feature_suffix: Optional[str] = None,
                                regression: bool = False) -> None:
    """Check datasets of ``dataset_type`` as "PATH LABEL" video lists; with ``feature_suffix``,
    each ``PATH + feature_suffix`` must exist in ``data_prefix.video`` instead of the video;
    with ``regression`` LABEL is a real number (a dataset config can also say
    ``regression=True``)."""
    VIDEO_LIST_DATASETS[dataset_type] = feature_suffix
    if regression:
        REGRESSION_LIST_DATASETS.add(dataset_type)


def is_regression_list(ds: dict) -> bool:
    """Whether a video-list dataset config reads real-valued targets."""
    return bool(ds.get('regression')) or type_name(ds) in REGRESSION_LIST_DATASETS


def list_layout(kind: str) -> Optional[str]:
    """The line layout of the list a dataset type reads, or None if it reads no list."""
    if kind in VIDEO_LIST_DATASETS:
        return 'PATH LABEL'
    if kind in RAWFRAME_LIST_DATASETS:
        return 'FRAME_DIR TOTAL_FRAMES LABEL'
    return None


def missing_list_advice(kind: str, split: str, key: str) -> str:
    """What to do about a list file that does not exist ('' for types that read no list)."""
    layout = list_layout(kind)
    if layout is None:
        return ''
    return (f' Write the {split} list there (one "{layout}" line per video, '
            f'MMAction2\'s {kind} format) or pass --cfg-options {key}.ann_file=PATH.')


def classifier_num_classes(cfg) -> Optional[int]:
    """The classifier's number of classes: MMAction2 recognisers' ``model.cls_head``, the
    package's ImageNet classifiers' ``model.backbone`` (MMPretrain), or ``model.head``."""
    model = cfg.get('model') or {}
    for part in ('cls_head', 'backbone', 'head'):
        sub = model.get(part) if hasattr(model, 'get') else None
        if hasattr(sub, 'get') and isinstance(sub.get('num_classes'), int):
            return sub['num_classes']
    return None


def check_list_dataset(ds: dict, kind: str, path: str, key: str,
                       num_classes: Optional[int] = None) -> None:
    """The list file ``path`` of a dataset of list-reading type ``kind``."""
    root = ds.get('data_root') or ''
    prefixes = dict(ds.get('data_prefix') or {})
    if kind in VIDEO_LIST_DATASETS:
        check_video_list(path, join_root(root, prefixes.get('video', '')), key, num_classes,
                         ds, feature_suffix=VIDEO_LIST_DATASETS[kind])
    else:
        check_rawframe_list(path, join_root(root, prefixes.get('img', '')), key, num_classes,
                            ds)


def _list_lines(path: str, key: str) -> List[Tuple[int, str]]:
    try:
        with open(path, encoding='utf-8') as f:
            return [(i + 1, line.rstrip('\n\r')) for i, line in enumerate(f)]
    except UnicodeDecodeError as exc:
        raise DatasetError(f'{key}.ann_file: {path!r} is not a text list file ({exc}). Point '
                           f'ann_file at the list of videos, not at a video or archive.') \
            from exc


def regression_target(fields: List[str]) -> Optional[float]:
    """The real-valued target of a "PATH VALUE" line's fields after PATH, or None when they
    are not one finite number."""
    try:
        value = float(fields[0]) if len(fields) == 1 else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _labels(fields: List[str], path: str, lineno: int, key: str,
            regression: bool = False) -> List[int]:
    if regression:
        if regression_target(fields) is None:
            raise DatasetError(
                f'{key}.ann_file: {path!r} line {lineno}: target {" ".join(fields)!r} is not '
                f'a number. Lines of a regression list are "PATH VALUE" (tools/prepare_lvu.py '
                f'writes them for LVU\'s like_ratio and view_count).')
        return []
    try:
        return [int(x) for x in fields]
    except ValueError:
        raise DatasetError(
            f'{key}.ann_file: {path!r} line {lineno}: label {" ".join(fields)!r} is not an '
            f'integer class index. Lines are "PATH LABEL" with LABEL in 0..num_classes-1 '
            f'(map class names to indices with the label map of the dataset).') from None


def _check_label_range(rows, path: str, key: str, num_classes: Optional[int],
                       total: int) -> None:
    if num_classes is None:
        return
    bad = [(lineno, label) for lineno, labels in rows for label in labels
           if not 0 <= label < num_classes]
    if bad:
        shown = show_items([f'line {n}: label {label}' for n, label in bad])
        raise DatasetError(
            f'{key}.ann_file: {path!r}: {len(bad)} of {total} lines have labels outside '
            f'0..{num_classes - 1} (model.cls_head.num_classes={num_classes}): {shown}. '
            f'Fix the labels, or set model.cls_head.num_classes to the number of classes '
            f'of this dataset.')


def check_video_list(path: str, video_dir: str, key: str, num_classes: Optional[int] = None,
                     ds: Optional[dict] = None, feature_suffix: Optional[str] = None) -> None:
    """A ``VideoDataset`` list: ``PATH LABEL`` lines (``PATH LABEL LABEL ...`` when
    ``multi_class``); every video present and with a sound container, every label a class
    index of the model. With ``feature_suffix`` (a list read against cached features, e.g.
    STAN's) each ``PATH + feature_suffix`` must exist instead of the video."""
    ds = ds or {}
    delimiter = ds.get('delimiter', ' ')
    multi_class = ds.get('multi_class', False)
    regression = is_regression_list(ds)
    lines = _list_lines(path, key)
    if not lines:
        raise DatasetError(f'{key}.ann_file: {path!r} is empty: no videos listed. Write one '
                           f'"PATH LABEL" line per video.')
    rows, missing, damaged = [], [], []
    for lineno, line in lines:
        fields = line.strip().split(delimiter)
        if not line.strip():
            raise DatasetError(f'{key}.ann_file: {path!r} line {lineno} is empty. Remove the '
                               f'blank line (MMAction2 would read it as a video named "").')
        if len(fields) == 1:
            raise DatasetError(
                f'{key}.ann_file: {path!r} line {lineno} ({line.strip()!r}) has no label. '
                f'Lines are "PATH LABEL"; add the class index.')
        if len(fields) > 2 and not multi_class:
            raise DatasetError(
                f'{key}.ann_file: {path!r} line {lineno} ({line.strip()!r}) has {len(fields)} '
                f'fields, expected "PATH LABEL". A path with spaces needs another delimiter '
                f'({key}.delimiter); several labels need {key}.multi_class=True.')
        rows.append((lineno, _labels(fields[1:], path, lineno, key, regression)))
        name = fields[0]
        video = osp.join(video_dir, name) if video_dir else name
        if feature_suffix:
            video += feature_suffix
        elif osp.splitext(video)[0] == video:
            video += '.mp4'  # as MMAction2's DecordInit does
        if not osp.isfile(video):
            missing.append(f'line {lineno}: {name!r} ({video!r})')
            continue
        problem = None if feature_suffix else video_file_problem(video)
        if problem:
            damaged.append(f'line {lineno}: {video!r}: {problem}')
    if missing and feature_suffix:
        raise DatasetError(
            f'{key}: {len(missing)} of the {len(lines)} videos listed in {path!r} have no '
            f'cached features in {video_dir!r}: {show_items(missing, 3)}. Run python '
            f'tools/extract_features.py CONFIG [CHECKPOINT] --out-dir {video_dir} (it writes '
            f'only what is missing), or fix data_prefix.video.')
    if missing:
        raise DatasetError(
            f'{key}: {len(missing)} of the {len(lines)} videos listed in {path!r} are missing '
            f'(data_prefix.video {video_dir!r}): {show_items(missing, 3)}. Restore them, fix '
            f'data_prefix, or remove their lines from the list.')
    if damaged:
        raise DatasetError(
            f'{key}: {len(damaged)} of the {len(lines)} videos listed in {path!r} are '
            f'damaged: {show_items(damaged, 3)}. Download or re-encode them (ffmpeg -i IN -c:v '
            f'libx264 OUT.mp4), or remove their lines from the list.')
    _check_label_range(rows, path, key, num_classes if not multi_class else
                       ds.get('num_classes', num_classes), len(lines))


def check_rawframe_list(path: str, frame_root: str, key: str,
                        num_classes: Optional[int] = None, ds: Optional[dict] = None) -> None:
    """A ``RawframeDataset`` list: ``FRAME_DIR TOTAL_FRAMES LABEL`` lines (``FRAME_DIR OFFSET
    TOTAL_FRAMES LABEL`` with ``with_offset``); every frame folder present."""
    ds = ds or {}
    with_offset = ds.get('with_offset', False)
    lines = _list_lines(path, key)
    if not lines:
        raise DatasetError(f'{key}.ann_file: {path!r} is empty: no videos listed. Write one '
                           f'"FRAME_DIR TOTAL_FRAMES LABEL" line per video.')
    layout = 'FRAME_DIR OFFSET TOTAL_FRAMES LABEL' if with_offset else \
        'FRAME_DIR TOTAL_FRAMES LABEL'
    counts = 3 if with_offset else 2
    rows, missing = [], []
    for lineno, line in lines:
        fields = line.split()
        if len(fields) <= counts:
            raise DatasetError(f'{key}.ann_file: {path!r} line {lineno} ({line.strip()!r}) '
                               f'does not read as "{layout}".')
        try:
            numbers = [int(x) for x in fields[1:counts]]
        except ValueError:
            raise DatasetError(f'{key}.ann_file: {path!r} line {lineno} ({line.strip()!r}): '
                               f'the frame count is not an integer ("{layout}").') from None
        if numbers[-1] <= 0:
            raise DatasetError(f'{key}.ann_file: {path!r} line {lineno}: {fields[0]!r} lists '
                               f'{numbers[-1]} frames. Extract its frames again or remove '
                               f'the line.')
        rows.append((lineno, _labels(fields[counts:], path, lineno, key)))
        folder = osp.join(frame_root, fields[0]) if frame_root else fields[0]
        if not osp.isdir(folder):
            missing.append(f'line {lineno}: {fields[0]!r} ({folder!r})')
    if missing:
        raise DatasetError(
            f'{key}: {len(missing)} of the {len(lines)} frame folders listed in {path!r} are '
            f'missing (data_prefix.img {frame_root!r}): {show_items(missing, 3)}. Extract the '
            f'frames there, fix data_prefix, or remove their lines from the list.')
    multi_class = ds.get('multi_class', False)
    _check_label_range(rows, path, key, num_classes if not multi_class else
                       ds.get('num_classes', num_classes), len(lines))

