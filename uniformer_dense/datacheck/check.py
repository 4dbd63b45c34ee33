""":func:`check_datasets`: every dataset and evaluator file of a config, before the run.

Paths first (``data_root``, ``data_prefix``, ``bbox_file``, ``ann_file``), for every task;
then the annotations in the format the dataset reads: MMAction2 list files
(:mod:`~uniformer_dense.datacheck.video_lists`), COCO JSON
(:mod:`~uniformer_dense.datacheck.coco`), or MMSegmentation's image / label-map folders
(:mod:`~uniformer_dense.datacheck.seg_folders`).
"""
from __future__ import annotations

import os.path as osp
from typing import Optional

from .coco import check_coco, read_annotation_json
from .common import DatasetError, join_root, leaf_datasets, type_name
from .image_folders import check_image_classification, is_image_classification
from .seg_folders import check_segmentation_folders
from .video_lists import (check_list_dataset, classifier_num_classes, list_layout,
                          missing_list_advice)


def check_datasets(cfg, splits=('train', 'val', 'test')) -> None:
    """Raise :class:`DatasetError` for the first unusable dataset of ``splits``."""
    num_classes = classifier_num_classes(cfg)
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or 'dataset' not in loader:
            continue
        for ds, key in leaf_datasets(loader['dataset'], f'{split}_dataloader.dataset'):
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
    """One leaf dataset config ``ds`` at config key ``key``."""
    root = ds.get('data_root') or ''
    if '://' in root or '://' in str(ds.get('ann_file') or '') or ds.get('backend_args'):
        return  # remote storage (petrel, s3, http): the toolbox's file backend reads it
    if root and not osp.isdir(root):
        raise DatasetError(
            f'{key}.data_root: directory {root!r} does not exist (absolute: '
            f'{osp.abspath(root)!r}). Put the dataset there (layouts in README.md) or pass '
            f'--cfg-options {key}.data_root=PATH.')
    if is_image_classification(ds):  # MMPretrain: a list file or one folder per class
        check_image_classification(ds, key, num_classes)
        return
    prefixes = dict(ds.get('data_prefix') or {})
    for name, rel in prefixes.items():
        path = join_root(root, rel)
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
        path = join_root(root, ann_file)
        kind = type_name(ds)
        if not osp.isfile(path):
            raise DatasetError(f'{key}.ann_file: {path!r} does not exist (data_root {root!r}, '
                               f'ann_file {ann_file!r}).'
                               f'{missing_list_advice(kind, split, key)}')
        if list_layout(kind) is not None:
            check_list_dataset(ds, kind, path, key, num_classes)
        elif path.endswith('.json'):
            coco = read_annotation_json(path, key)
            if isinstance(coco, dict) and ('images' in coco or 'annotations' in coco):
                check_coco(coco, path, join_root(root, prefixes.get('img', '')), key, split)
    elif 'img_path' in prefixes:
        check_segmentation_folders(
            join_root(root, prefixes['img_path']),
            join_root(root, prefixes.get('seg_map_path', '')),
            ds.get('img_suffix', '.jpg'), ds.get('seg_map_suffix', '.png'), key,
            needs_maps='seg_map_path' in prefixes)
