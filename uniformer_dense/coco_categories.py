"""Evaluate a COCO file that lists only some of a detector's classes, on those classes.

This is a step of the harness's evaluation (:func:`uniformer_dense.harness.test`), not a
check: it writes a new annotation file into the work directory and points the config at
it. The checks it relies on are those of :mod:`uniformer_dense.datacheck`.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import List, Optional

from .datacheck.coco import read_annotation_json
from .datacheck.common import DatasetError, join_root, leaf_datasets, show_items, type_name


def _config_classes(ds: dict) -> Optional[List[str]]:
    """The class names a detection dataset config maps labels to (its metainfo or its
    dataset class's METAINFO)."""
    classes = (ds.get('metainfo') or {}).get('classes')
    if classes:
        return list(classes)
    try:
        from mmdet.registry import DATASETS
        cls = DATASETS.get(type_name(ds))
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
    leaves = list(leaf_datasets(loader['dataset'], f'{split}_dataloader.dataset'))
    if len(leaves) != 1 or 'Coco' not in type_name(leaves[0][0]):
        return None
    (ds, key), = leaves
    ann_file = ds.get('ann_file') or ''
    path = join_root(ds.get('data_root') or '', ann_file)
    classes = _config_classes(ds)
    if not ann_file or not osp.isfile(path) or not classes:
        return None
    coco = read_annotation_json(path, key)
    matched = match_categories(coco, classes, path, key)
    if matched is None:
        return None
    os.makedirs(out_dir, exist_ok=True)
    out = osp.abspath(osp.join(out_dir, 'categories_matched_' + osp.basename(path)))
    with open(out, 'w') as f:
        json.dump(coco, f)
    ds['ann_file'] = out
    evaluators = cfg.get(f'{split}_evaluator')
    for ev in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if ev and ev.get('ann_file'):
            ev['ann_file'] = out
    return dict(matched, ann_file=out, source_ann_file=path)


def match_categories(coco: dict, classes: List[str], path: str, key: str) -> Optional[dict]:
    """List ``classes`` in ``coco['categories']`` (in place), in the config's order, matched by
    name: the file's own entries and ids kept, the classes it lacks added with new ids (and no
    annotations). The one matching behind :func:`match_coco_categories` (the package's
    ``tools/test.py``) and :class:`uniformer_dense.coco_metric.CategorySubsetCocoMetric` (any
    tool that reads the config).

    Returns ``dict(evaluated_categories=..., ignored_classes=...)``, or None when the file
    already lists the classes in the config's order (nothing changed). A category name the
    config lacks raises :class:`DatasetError` naming ``key`` (the dataset config), the file,
    both lists and the fix."""
    names = [c.get('name') for c in coco.get('categories', [])]
    unknown = [n for n in names if n not in classes]
    if unknown:
        raise DatasetError(
            f'{key}.ann_file: {path!r} has categories the config\'s {len(classes)} classes do '
            f'not include: {show_items(unknown)} (the file lists {show_items(names)}; the '
            f'config: {show_items(classes)}). A model trained on those classes is needed: set '
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
    return dict(evaluated_categories=names, ignored_classes=missing)


def matched_warning(matched: dict) -> str:
    """What a run evaluating on matched categories says (log warning); ``matched`` is what
    :func:`match_categories` returned, with the file's path as ``source_ann_file``."""
    evaluated = matched['evaluated_categories']
    return (f'{matched["source_ann_file"]} lists {len(evaluated)} of the model\'s classes '
            f'({", ".join(evaluated[:5])}{" ..." if len(evaluated) > 5 else ""}): evaluating on '
            f'those, matched by name; predictions of the other '
            f'{len(matched["ignored_classes"])} classes do not count.')
