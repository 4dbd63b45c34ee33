"""Check a config's datasets before a run starts, and label maps while it runs.

The toolboxes find bad data late and deep: a wrong ``data_root`` surfaces as an assertion in
a dataset class, a malformed COCO JSON as a bare ``JSONDecodeError`` without the file name,
a missing image inside a dataloader worker, an out-of-range label as ``IndexError: Target 7
is out of bounds`` in the loss (or, in evaluation, silently ignored by the IoU histogram).
:func:`check_datasets` runs before the runner is built and turns each of these into one
:class:`DatasetError` that names the config key, the file and what to do;
:class:`CheckSegLabels` checks every label map as it is loaded.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Iterator, List, Tuple

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


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


def check_datasets(cfg, splits=('train', 'val', 'test')) -> None:
    """Raise :class:`DatasetError` for the first unusable dataset of ``splits``."""
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or 'dataset' not in loader:
            continue
        for ds, key in _datasets(loader['dataset'], f'{split}_dataloader.dataset'):
            check_dataset(ds, key, split)
        evaluator = cfg.get(f'{split}_evaluator')
        for i, ev in enumerate(evaluator if isinstance(evaluator, (list, tuple))
                               else [evaluator] if evaluator else []):
            if ev.get('ann_file') and not osp.isfile(ev['ann_file']):
                name = f'{split}_evaluator' + (f'[{i}]' if isinstance(evaluator, list) else '')
                raise DatasetError(
                    f'{name}.ann_file: {ev["ann_file"]!r} does not exist. Point it at the '
                    f'ground-truth JSON of the {split} set (--cfg-options '
                    f'{name}.ann_file=PATH).')


def check_dataset(ds: dict, key: str, split: str) -> None:
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
        if not osp.isfile(path):
            raise DatasetError(f'{key}.ann_file: {path!r} does not exist (data_root {root!r}, '
                               f'ann_file {ann_file!r}).')
        if path.endswith('.json'):
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
