"""Check a config's datasets before a run starts, and label maps while it runs.

The toolboxes find bad data late and deep: a wrong ``data_root`` surfaces as an assertion in
a dataset class, a malformed COCO JSON as a bare ``JSONDecodeError`` without the file name,
a missing image inside a dataloader worker, an out-of-range label as ``IndexError: Target 7
is out of bounds`` in the loss (or, in evaluation, silently ignored by the IoU histogram).
:func:`check_datasets` runs before the runner is built and turns each of these into one
:class:`DatasetError` that names the config key, the file and what to do;
:class:`CheckSegLabels` checks every label map as it is loaded.

Video lists (MMAction2's ``VideoDataset`` / ``RepeatAugDataset`` ``PATH LABEL`` lines and
``RawframeDataset`` ``DIR TOTAL_FRAMES LABEL`` lines) are read line by line: a malformed
line, a label outside ``model.cls_head.num_classes``, a listed video or frame folder that
does not exist, and a video file that is empty, not a video container, or cut short (the
box structure of MP4/MOV files, the RIFF size of AVI files: a few bytes read per file) each
stop the run before it starts. Damage that only decoding finds (a corrupt stream inside a
well-formed file) is reported, naming the file, by the checking decoders of
:mod:`uniformer_dense.videocheck`, which the harness puts in place of MMAction2's
``DecordInit`` / ``DecordDecode`` for video tasks.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import re
import struct
from typing import Iterator, List, Optional, Tuple

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
# MMAction2 datasets read from list files: the "PATH LABEL" video lists and the
# "DIR TOTAL_FRAMES LABEL" raw-frame lists.
VIDEO_LIST_DATASETS = ('VideoDataset', 'RepeatAugDataset', 'CheckedRepeatAugDataset',
                       'STANFeatureDataset')
# Video lists read against a directory of cached features (PATH + suffix per line).
FEATURE_LIST_SUFFIX = {'STANFeatureDataset': '.pt'}
RAWFRAME_LIST_DATASETS = ('RawframeDataset',)


class DatasetError(ValueError):
    """A dataset in the config that cannot be used as it is."""


def _show(items: List[str], limit: int = 5) -> str:
    more = f' ... (+{len(items) - limit} more)' if len(items) > limit else ''
    return ', '.join(map(str, items[:limit])) + more


def _datasets(ds_cfg, key: str) -> Iterator[Tuple[dict, str]]:
    """The leaf dataset configs under wrappers (ConcatDataset, RepeatDataset, ...)."""
    if 'datasets' in ds_cfg:
        for i, sub in enumerate(ds_cfg['datasets']):
            yield from _datasets(sub, f'{key}.datasets[{i}]')
    elif 'dataset' in ds_cfg:
        yield from _datasets(ds_cfg['dataset'], f'{key}.dataset')
    else:
        yield ds_cfg, key


def _join(root: str, path: str) -> str:
    return path if not root or osp.isabs(path) else osp.join(root, path)


def _num_classes(cfg) -> Optional[int]:
    """The classifier's number of classes (MMAction2 recognisers: ``model.cls_head``)."""
    model = cfg.get('model') or {}
    head = model.get('cls_head') if hasattr(model, 'get') else None
    if hasattr(head, 'get') and isinstance(head.get('num_classes'), int):
        return head['num_classes']
    return None


def _type_name(ds: dict) -> str:
    kind = ds.get('type', '')
    return kind.split('.')[-1] if isinstance(kind, str) else getattr(kind, '__name__', '')


def check_datasets(cfg, splits=('train', 'val', 'test')) -> None:
    """Raise :class:`DatasetError` for the first unusable dataset of ``splits``."""
    num_classes = _num_classes(cfg)
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or 'dataset' not in loader:
            continue
        for ds, key in _datasets(loader['dataset'], f'{split}_dataloader.dataset'):
            check_dataset(ds, key, split, num_classes=num_classes)
        evaluator = cfg.get(f'{split}_evaluator')
        for i, ev in enumerate(evaluator if isinstance(evaluator, (list, tuple))
                               else [evaluator] if evaluator else []):
            if ev.get('ann_file') and not osp.isfile(ev['ann_file']):
                name = f'{split}_evaluator' + (f'[{i}]' if isinstance(evaluator, list) else '')
                raise DatasetError(
                    f'{name}.ann_file: {ev["ann_file"]!r} does not exist. Point it at the '
                    f'ground-truth JSON of the {split} set (--cfg-options '
                    f'{name}.ann_file=PATH).')


def check_dataset(ds: dict, key: str, split: str, num_classes: Optional[int] = None) -> None:
    root = ds.get('data_root') or ''
    if '://' in root or '://' in str(ds.get('ann_file') or '') or ds.get('backend_args'):
        return  # remote storage (petrel, s3, http): the toolbox's file backend reads it
    if root and not osp.isdir(root):
        raise DatasetError(
            f'{key}.data_root: directory {root!r} does not exist (absolute: '
            f'{osp.abspath(root)!r}). Put the dataset there (layouts in README.md) or pass '
            f'--cfg-options {key}.data_root=PATH.')
    prefixes = dict(ds.get('data_prefix') or {})
    for name, rel in prefixes.items():
        path = _join(root, rel)
        if rel and not osp.isdir(path):
            raise DatasetError(
                f'{key}.data_prefix.{name}: directory {path!r} does not exist (data_root '
                f'{root!r}). Valid entries are directories under data_root; fix the path '
                f'or the dataset layout.')
    if ds.get('bbox_file') and not osp.isfile(ds['bbox_file']):
        raise DatasetError(
            f'{key}.bbox_file: person detections {ds["bbox_file"]!r} do not exist. Download '
            f'them (MMPose\'s COCO person detections) or set {key}.bbox_file=None to '
            f'evaluate on ground-truth boxes.')
    ann_file = ds.get('ann_file') or ''
    if ann_file:
        path = _join(root, ann_file)
        kind = _type_name(ds)
        if not osp.isfile(path):
            todo = ''
            if kind in VIDEO_LIST_DATASETS + RAWFRAME_LIST_DATASETS:
                line = ('PATH LABEL' if kind in VIDEO_LIST_DATASETS
                        else 'FRAME_DIR TOTAL_FRAMES LABEL')
                todo = (f' Write the {split} list there (one "{line}" line per video, '
                        f'MMAction2\'s {kind} format) or pass --cfg-options '
                        f'{key}.ann_file=PATH.')
            raise DatasetError(f'{key}.ann_file: {path!r} does not exist (data_root {root!r}, '
                               f'ann_file {ann_file!r}).{todo}')
        if kind in VIDEO_LIST_DATASETS:
            check_video_list(path, _join(root, prefixes.get('video', '')), key, num_classes,
                             ds, feature_suffix=FEATURE_LIST_SUFFIX.get(kind))
        elif kind in RAWFRAME_LIST_DATASETS:
            check_rawframe_list(path, _join(root, prefixes.get('img', '')), key, num_classes,
                                ds)
        elif path.endswith('.json'):
            coco = _read_json(path, key)
            if isinstance(coco, dict) and ('images' in coco or 'annotations' in coco):
                check_coco(coco, path, _join(root, prefixes.get('img', '')), key, split)
    elif 'img_path' in prefixes:
        check_segmentation_folders(
            _join(root, prefixes['img_path']), _join(root, prefixes.get('seg_map_path', '')),
            ds.get('img_suffix', '.jpg'), ds.get('seg_map_suffix', '.png'), key,
            needs_maps='seg_map_path' in prefixes)


def _read_json(path: str, key: str):
    try:
        with open(path, 'rb') as f:
            return json.load(f)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f'{key}.ann_file: {path!r} is not valid JSON ({exc.msg} at line {exc.lineno}, '
            f'column {exc.colno}; the file is truncated or damaged). Download or export it '
            f'again.') from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f'{key}.ann_file: {path!r} is not a text JSON file ({exc}).') \
            from exc


def check_coco(coco: dict, path: str, img_dir: str, key: str, split: str) -> None:
    """A COCO-format annotation file: structure, references, and its images on disk."""
    missing_keys = [k for k in ('images', 'annotations', 'categories')
                    if not isinstance(coco.get(k), list)]
    if missing_keys:
        raise DatasetError(f'{key}.ann_file: {path!r} is not a COCO annotation file: no list '
                           f'under {missing_keys} (expected images, annotations, categories).')
    images, anns, cats = coco['images'], coco['annotations'], coco['categories']
    bad = [i for i, im in enumerate(images)
           if not isinstance(im, dict) or 'id' not in im or 'file_name' not in im]
    if bad:
        raise DatasetError(f'{key}.ann_file: {path!r}: images{bad[:5]} lack "id" or '
                           f'"file_name".')
    if not images or not anns:
        raise DatasetError(
            f'{key}.ann_file: {path!r} has {len(images)} images and {len(anns)} annotations: '
            f'nothing to {"train on" if split == "train" else "evaluate"}. Export the '
            f'annotations again or point ann_file at the right split.')
    image_ids = {im['id'] for im in images}
    cat_ids = {c.get('id') for c in cats if isinstance(c, dict)}
    orphans = sorted({a.get('image_id') for a in anns if isinstance(a, dict)} - image_ids,
                     key=str)
    if orphans:
        raise DatasetError(
            f'{key}.ann_file: {path!r}: annotations reference {len(orphans)} image ids that '
            f'are not in "images": {_show(orphans)}. The file is inconsistent; export it '
            f'again.')
    unknown = sorted({a.get('category_id') for a in anns if isinstance(a, dict)} - cat_ids,
                     key=str)
    if unknown:
        raise DatasetError(f'{key}.ann_file: {path!r}: annotations use category ids not in '
                           f'"categories": {_show(unknown)}.')
    absent = [im['file_name'] for im in images
              if not osp.isfile(osp.join(img_dir, im['file_name']))]
    if absent:
        raise DatasetError(
            f'{key}: {len(absent)} of the {len(images)} images listed in {path!r} are missing '
            f'under {img_dir!r}: {_show(absent)}. Restore them, or remove their entries from '
            f'the annotation file.')


def check_segmentation_folders(img_dir: str, ann_dir: str, img_suffix: str,
                               seg_map_suffix: str, key: str, needs_maps: bool) -> None:
    """An MMSegmentation folder dataset: images, and one label map per image."""
    images = []
    for folder, _, files in os.walk(img_dir):
        images += [osp.relpath(osp.join(folder, f), img_dir) for f in files
                   if f.endswith(img_suffix)]
    if not images:
        raise DatasetError(f'{key}: no *{img_suffix} images under {img_dir!r}. Check '
                           f'data_prefix.img_path and img_suffix.')
    if not needs_maps:
        return
    absent = [osp.join(ann_dir, im[:-len(img_suffix)] + seg_map_suffix) for im in images]
    absent = [p for p in absent if not osp.isfile(p)]
    if absent:
        raise DatasetError(
            f'{key}: {len(absent)} of {len(images)} images under {img_dir!r} have no label '
            f'map: {_show(absent)}. Restore them or remove the images.')


# --- video lists -------------------------------------------------------------------------

def _list_lines(path: str, key: str) -> List[Tuple[int, str]]:
    try:
        with open(path, encoding='utf-8') as f:
            return [(i + 1, line.rstrip('\n\r')) for i, line in enumerate(f)]
    except UnicodeDecodeError as exc:
        raise DatasetError(f'{key}.ann_file: {path!r} is not a text list file ({exc}). Point '
                           f'ann_file at the list of videos, not at a video or archive.') \
            from exc


def _labels(fields: List[str], path: str, lineno: int, key: str) -> List[int]:
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
        shown = _show([f'line {n}: label {label}' for n, label in bad])
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
        rows.append((lineno, _labels(fields[1:], path, lineno, key)))
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
            f'cached features in {video_dir!r}: {_show(missing, 3)}. Run python '
            f'tools/extract_features.py CONFIG [CHECKPOINT] --out-dir {video_dir} (it writes '
            f'only what is missing), or fix data_prefix.video.')
    if missing:
        raise DatasetError(
            f'{key}: {len(missing)} of the {len(lines)} videos listed in {path!r} are missing '
            f'(data_prefix.video {video_dir!r}): {_show(missing, 3)}. Restore them, fix '
            f'data_prefix, or remove their lines from the list.')
    if damaged:
        raise DatasetError(
            f'{key}: {len(damaged)} of the {len(lines)} videos listed in {path!r} are '
            f'damaged: {_show(damaged, 3)}. Download or re-encode them (ffmpeg -i IN -c:v '
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
            f'missing (data_prefix.img {frame_root!r}): {_show(missing, 3)}. Extract the '
            f'frames there, fix data_prefix, or remove their lines from the list.')
    multi_class = ds.get('multi_class', False)
    _check_label_range(rows, path, key, num_classes if not multi_class else
                       ds.get('num_classes', num_classes), len(lines))


_BOX_TYPE = re.compile(rb'[A-Za-z0-9 _\-\xa9]{4}')
# Boxes an ISO base media (MP4) or QuickTime file can start with.
_FIRST_BOXES = (b'ftyp', b'styp', b'moov', b'mdat', b'free', b'skip', b'wide', b'pnot',
                b'junk', b'uuid', b'sidx', b'pdin', b'meta')


def video_file_problem(path: str) -> Optional[str]:
    """What is wrong with a video file that a few header reads can tell, or None.

    Empty files for any format; for MP4/MOV (ISO base media) files the chain of top-level
    boxes (each box's declared size must fit in the file, and the ``moov`` index of the
    frames must be there: a download or recording cut short fails both); for AVI files
    the RIFF header and size; for Matroska/WebM the EBML signature. Other formats are left
    to the decoder (see :mod:`uniformer_dense.videocheck`).
    """
    size = osp.getsize(path)
    if size == 0:
        return 'the file is empty (0 bytes)'
    ext = osp.splitext(path)[1].lower()
    with open(path, 'rb') as f:
        head = f.read(16)
        if ext in ('.mp4', '.m4v', '.mov', '.3gp', '.3g2'):
            return _iso_media_problem(f, size)
        if ext == '.avi':
            if head[:4] != b'RIFF' or head[8:12] != b'AVI ':
                return 'not an AVI file (no RIFF/AVI header)'
            riff = struct.unpack('<I', head[4:8])[0]
            if riff + 8 > size:
                return (f'truncated: its RIFF header declares {riff + 8} bytes but the file '
                        f'has {size}')
        if ext in ('.mkv', '.webm') and head[:4] != b'\x1a\x45\xdf\xa3':
            return 'not a Matroska/WebM file (no EBML signature)'
    return None


def _iso_media_problem(f, size: int) -> Optional[str]:
    offset, seen = 0, []
    while offset < size:
        f.seek(offset)
        header = f.read(16)
        if len(header) < 8:
            return f'truncated: it ends inside a box header at byte {offset}'
        box_size, kind = struct.unpack('>I4s', header[:8])
        if box_size == 1:
            if len(header) < 16:
                return f'truncated: it ends inside a box header at byte {offset}'
            box_size = struct.unpack('>Q', header[8:16])[0]
        elif box_size == 0:
            box_size = size - offset  # the last box runs to the end of the file
        if offset == 0 and kind not in _FIRST_BOXES:
            return 'not an MP4/QuickTime file (no valid box at its start)'
        if not _BOX_TYPE.fullmatch(kind) or box_size < 8:
            if offset == 0:
                return 'not an MP4/QuickTime file (no valid box at its start)'
            return (f'damaged: no valid box at byte {offset} (after '
                    f'{b", ".join(seen).decode("latin-1")})')
        name = kind.decode('latin-1')
        if offset + box_size > size:
            return (f'truncated: its {name!r} box at byte {offset} declares {box_size} bytes '
                    f'but only {size - offset} remain (the file has {size} bytes)')
        seen.append(kind)
        offset += box_size
    if b'moov' not in seen:
        return ('no "moov" box (the index of its frames): the recording or download was cut '
                'short')
    return None


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
            import numpy as np
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
        for ds, _ in _datasets(loader['dataset'], split):
            _insert_after_load(ds.get('pipeline') or [], check)


def _insert_after_load(pipeline: list, check: dict) -> None:
    # TestTimeAug's groups are alternatives, not steps: its pipeline is left as it is.
    for i, t in enumerate(pipeline):
        if isinstance(t, dict) and t.get('type') == 'LoadAnnotations':
            if not (i + 1 < len(pipeline) and pipeline[i + 1].get('type') == 'CheckSegLabels'):
                pipeline.insert(i + 1, dict(check))
            return


def _config_classes(ds: dict) -> Optional[List[str]]:
    """The class names a detection dataset config maps labels to (its metainfo or its
    dataset class's METAINFO)."""
    classes = (ds.get('metainfo') or {}).get('classes')
    if classes:
        return list(classes)
    try:
        from mmdet.registry import DATASETS
        cls = DATASETS.get(_type_name(ds))
    except (ImportError, KeyError):
        return None
    return list((getattr(cls, 'METAINFO', None) or {}).get('classes') or []) or None


def match_coco_categories(cfg, out_dir: str, split: str = 'test') -> Optional[dict]:
    """Evaluate a COCO file that lists only some of the model's classes (a person-only file,
    say) on those classes, matched by name.

    MMDetection maps label ``i`` to the file's ``i``-th category, so a file with fewer
    categories than the config's classes ends in ``IndexError`` inside ``CocoMetric``. When
    every category of the file is one of the config's classes, a copy of the file whose
    ``categories`` list all the config's classes in the config's order (the file's own
    entries and ids kept, the others added with new ids and no annotations) is written to
    ``out_dir`` and both the dataset and the evaluator read it: COCOeval leaves classes without
    ground truth out of every mean, so the metrics are those of the file's categories and the
    model's other predictions do not count. A file with category names the config lacks
    stops with :class:`DatasetError`. Returns what was evaluated, or None if nothing changed.
    """
    loader = cfg.get(f'{split}_dataloader') or {}
    if 'dataset' not in loader:
        return None
    leaves = list(_datasets(loader['dataset'], f'{split}_dataloader.dataset'))
    if len(leaves) != 1 or 'Coco' not in _type_name(leaves[0][0]):
        return None
    (ds, key), = leaves
    ann_file = ds.get('ann_file') or ''
    path = _join(ds.get('data_root') or '', ann_file)
    classes = _config_classes(ds)
    if not ann_file or not osp.isfile(path) or not classes:
        return None
    coco = _read_json(path, key)
    names = [c.get('name') for c in coco.get('categories', [])]
    unknown = [n for n in names if n not in classes]
    if unknown:
        raise DatasetError(
            f'{key}.ann_file: {path!r} has categories the config\'s {len(classes)} classes do '
            f'not include: {_show(unknown)} (the file lists {_show(names)}; the config: '
            f'{_show(classes)}). A model trained on those classes is needed: set '
            f'{key}.metainfo.classes and the head\'s num_classes to the file\'s classes, or '
            f'rename the file\'s categories to the config\'s names if they are the same '
            f'things.')
    missing = [n for n in classes if n not in names]
    if not missing and names == classes[:len(names)]:
        return None
    by_name = {c['name']: c for c in coco['categories']}
    next_id = max([c['id'] for c in coco['categories']] + [0]) + 1
    categories = []
    for name in classes:
        if name not in by_name:
            by_name[name] = dict(id=next_id, name=name, supercategory='')
            next_id += 1
        categories.append(by_name[name])
    coco['categories'] = categories
    os.makedirs(out_dir, exist_ok=True)
    out = osp.abspath(osp.join(out_dir, 'categories_matched_' + osp.basename(path)))
    with open(out, 'w') as f:
        json.dump(coco, f)
    ds['ann_file'] = out
    evaluators = cfg.get(f'{split}_evaluator')
    for ev in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if ev and ev.get('ann_file'):
            ev['ann_file'] = out
    return dict(evaluated_categories=names, ignored_classes=missing, ann_file=out,
                source_ann_file=path)
