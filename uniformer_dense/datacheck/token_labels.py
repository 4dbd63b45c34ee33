"""Token labeling's dense label maps, checked before training: one readable LV-ViT map per
training image (``LoadTokenLabel`` in the dataset's pipeline names where they are).

Every image's map must exist; the maps are read and their shape and class indices checked,
all of them up to :data:`READ_LIMIT` maps, above it an even sample of that many (ImageNet's
1.28M maps take minutes to read; the loader names any other bad map when it meets it).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Iterator, Optional

from ..token_labeling import LabelMapError, label_map_path, read_label_map
from .common import DatasetError, join_root, show_items, type_name

#: Maps read in full before training (all of a smaller dataset, a sample of a larger one).
READ_LIMIT = 20000


def token_label_step(ds: dict) -> Optional[dict]:
    """The dataset pipeline's ``LoadTokenLabel`` step, or None."""
    for step in ds.get('pipeline') or []:
        if isinstance(step, dict) and type_name(step) == 'LoadTokenLabel':
            return step
    return None


def check_token_labels(images: Iterator[str], step: dict, key: str,
                       num_classes: Optional[int]) -> None:
    """Raise :class:`DatasetError` for the first image without a usable label map."""
    root = step.get('label_root') or ''
    if not osp.isdir(root):
        raise DatasetError(
            f'{key}.pipeline LoadTokenLabel.label_root: {root!r} does not exist. Token '
            f'labeling reads one dense label map per training image from it '
            f'(<class folder>/<image stem>.pt, LV-ViT\'s format; the authors\' NFNet-F6 maps '
            f'for ImageNet), or train with a recipe without token labels.')
    images = list(images)
    missing = [img for img in images if not osp.isfile(label_map_path(img, root))]
    if missing:
        raise DatasetError(
            f'{key}: {len(missing)} of {len(images)} training images have no label map under '
            f'{root!r}: {show_items([f"{m} -> {label_map_path(m, root)}" for m in missing], 3)}.'
            f' Generate them (TokenLabeling/generate_label.py) or remove those images.')
    step_classes = step.get('num_classes', 1000)
    if num_classes is not None and step_classes != num_classes:
        raise DatasetError(
            f'{key}.pipeline LoadTokenLabel.num_classes={step_classes} but the classifier has '
            f'{num_classes} classes: set them equal.')
    stride = max(1, len(images) // READ_LIMIT)
    for img in images[::stride]:
        try:
            read_label_map(label_map_path(img, root), img, step_classes)
        except LabelMapError as exc:
            raise DatasetError(f'{key}: {exc}') from None


def images_under(folder: str, suffixes) -> Iterator[str]:
    """Every image file under ``folder`` (sorted walk)."""
    for dirpath, dirnames, files in os.walk(folder):
        dirnames.sort()
        for name in sorted(files):
            if name.lower().endswith(suffixes):
                yield join_root(dirpath, name)
