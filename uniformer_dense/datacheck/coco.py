"""COCO-format annotation files and the images they list (MMDetection, MMPose).

MMDetection reads a malformed file with a bare ``JSONDecodeError`` that does not name it,
and finds a missing image inside a dataloader worker; here both stop the run before it
starts, with the config key, the file and what to do.
"""
from __future__ import annotations

import json
import os.path as osp

from .common import DatasetError, show_items


def read_annotation_json(path: str, key: str):
    """The parsed JSON of ``key``'s ``ann_file``; a damaged file raises :class:`DatasetError`
    naming it (instead of a bare ``JSONDecodeError``)."""
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
            f'are not in "images": {show_items(orphans)}. The file is inconsistent; export it '
            f'again.')
    unknown = sorted({a.get('category_id') for a in anns if isinstance(a, dict)} - cat_ids,
                     key=str)
    if unknown:
        raise DatasetError(f'{key}.ann_file: {path!r}: annotations use category ids not in '
                           f'"categories": {show_items(unknown)}.')
    absent = [im['file_name'] for im in images
              if not osp.isfile(osp.join(img_dir, im['file_name']))]
    if absent:
        raise DatasetError(
            f'{key}: {len(absent)} of the {len(images)} images listed in {path!r} are missing '
            f'under {img_dir!r}: {show_items(absent)}. Restore them, or remove their entries '
            f'from the annotation file.')
