"""Classification datasets as MMPretrain reads them: ``ImageNet`` / ``CustomDataset``.

Two layouts: a list file (MMPretrain's ImageNet layout, ``meta/{split}.txt`` of
``relative/path.JPEG LABEL`` lines, images under ``data_prefix`` or the split's folder), or
no list and one sub-folder per class (the folder names, sorted, are the classes). The checks
stop before the run on what would stop it later, or silently train the wrong thing: a missing
folder or image, a malformed line, a label outside the classifier, a class count that is not
the classifier's, a missing or malformed token-labeling map (:mod:`.token_labels`). :func:`count_class_folders` also gives the class count to a config that
leaves it to the data (``configs/cls/finetune_custom_uniformer_s.py``).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import List, Optional, Tuple

from .common import DatasetError, join_root, show_items, type_name
from .token_labels import check_token_labels, images_under, token_label_step

# MMPretrain's dataset types that read a list file or class folders (and their subclasses
# of the package's configs).
IMAGE_CLASSIFICATION_DATASETS = ('ImageNet', 'CustomDataset', 'ImageNet21k')
# MMPretrain's IMG_EXTENSIONS: the files CustomDataset / ImageNet read (others are skipped).
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif')


def is_image_classification(ds: dict) -> bool:
    return type_name(ds) in IMAGE_CLASSIFICATION_DATASETS


def _prefix(ds: dict) -> str:
    prefix = ds.get('data_prefix') or ''
    if isinstance(prefix, dict):
        prefix = prefix.get('img_path', '')
    return prefix or (ds.get('split') or '')


def image_folder(ds: dict) -> str:
    """Where the dataset's images are: ``data_root`` / (``data_prefix`` or the split)."""
    return join_root(ds.get('data_root') or '', _prefix(ds))


def list_file(ds: dict) -> Optional[str]:
    """The list file the dataset reads, or None (one folder per class): ``ann_file``, or for
    a split of ImageNet ``meta/{split}.txt`` where it exists (MMPretrain's rule)."""
    root = ds.get('data_root') or ''
    if ds.get('ann_file'):
        return join_root(root, ds['ann_file'])
    if ds.get('split'):
        path = join_root(root, osp.join('meta', f'{ds["split"]}.txt'))
        if osp.isfile(path):
            return path
    return None


def class_folders(folder: str) -> List[str]:
    """The class sub-folders of ``folder``, sorted (MMPretrain's class order)."""
    return sorted(e.name for e in os.scandir(folder) if e.is_dir())


def count_class_folders(ds: dict) -> Tuple[int, str]:
    """(number of classes, folder) of a folder-per-class dataset config."""
    folder = image_folder(ds)
    if not osp.isdir(folder):
        raise DatasetError(f'{folder!r} does not exist: the classes are counted from its '
                           f'sub-folders (one per class).')
    return len(class_folders(folder)), folder


def check_image_classification(ds: dict, key: str, num_classes: Optional[int]) -> None:
    """One ImageNet / CustomDataset config at config key ``key``."""
    folder = image_folder(ds)
    if not osp.isdir(folder):
        raise DatasetError(
            f'{key}: image folder {folder!r} does not exist (data_root '
            f'{ds.get("data_root")!r}, data_prefix / split {_prefix(ds)!r}). ImageNet: '
            f'data/imagenet/{{train,val}}/ with meta/{{train,val}}.txt, or one sub-folder per '
            f'class (docs/classification.md).')
    path = list_file(ds)
    if path is None:
        _check_class_folders(folder, key, num_classes)
    else:
        listed = _check_list(path, folder, key, num_classes)
    step = token_label_step(ds, key)
    if step is not None:
        images = list(images_under(folder, IMAGE_SUFFIXES)) if path is None else listed
        check_token_labels(images, step, key, num_classes)


def _check_class_folders(folder: str, key: str, num_classes: Optional[int]) -> None:
    classes = class_folders(folder)
    if not classes:
        raise DatasetError(f'{key}: {folder!r} has no class sub-folders and the dataset names '
                           f'no list file (ann_file): put each class\'s images in a '
                           f'sub-folder named after it, or give meta/<split>.txt.')
    empty = [c for c in classes if not any(
        f.lower().endswith(IMAGE_SUFFIXES) for _, _, files in os.walk(osp.join(folder, c))
        for f in files)]
    if empty:
        raise DatasetError(f'{key}: class folder(s) without images under {folder!r}: '
                           f'{show_items(empty)}. Remove them or add images '
                           f'({", ".join(IMAGE_SUFFIXES)}).')
    if num_classes is not None and len(classes) != num_classes:
        raise DatasetError(
            f'{key}: {folder!r} has {len(classes)} class folders ({show_items(classes)}) but '
            f'the classifier has {num_classes} classes: set model.backbone.num_classes='
            f'{len(classes)} (or num_classes=None in the package\'s tools to take it from the '
            f'folders).')


def _check_list(path: str, folder: str, key: str, num_classes: Optional[int]) -> List[str]:
    """Check a list file; returns the paths of the images it lists."""
    if not osp.isfile(path):
        raise DatasetError(f'{key}.ann_file: {path!r} does not exist.')
    missing, bad_labels, images = [], [], []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise DatasetError(
                    f'{key}.ann_file: {path}:{number}: {line.strip()!r} is not '
                    f'"relative/path.JPEG LABEL" (MMPretrain\'s list layout).')
            image, label = parts[0], int(parts[1])
            images.append(join_root(folder, image))
            if not osp.isfile(images[-1]):
                missing.append(f'{image} (line {number})')
            if label < 0 or (num_classes is not None and label >= num_classes):
                bad_labels.append(f'{label} (line {number})')
    if missing:
        raise DatasetError(f'{key}.ann_file: {len(missing)} image(s) listed in {path} are not '
                           f'under {folder!r}: {show_items(missing)}. Restore them or remove '
                           f'their lines.')
    if bad_labels:
        allowed = (f'0..{num_classes - 1} (the classifier has {num_classes} classes)'
                   if num_classes is not None else '0 and up')
        raise DatasetError(
            f'{key}.ann_file: labels outside {allowed} in {path}: {show_items(bad_labels)}; '
            f'fix the list or model.backbone.num_classes.')
    return images
