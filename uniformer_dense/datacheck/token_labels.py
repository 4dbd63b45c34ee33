"""Token labeling's dense label maps: their format (LV-ViT's: ``(2, k, h, w)`` top-k scores
and class indices, one ``LABEL_ROOT/<class folder>/<image stem>.pt`` per training image),
read and checked (:func:`read_label_map`, used by the pipeline's ``LoadTokenLabel``), and
checked before training: one readable map per training image (``LoadTokenLabel`` in the
dataset's pipeline names where they are).

Every image's map must exist; the maps are read and their shape and class indices checked,
all of them up to :data:`READ_LIMIT` maps, above it an even sample of that many (ImageNet's
1.28M maps take minutes to read; the loader names any other bad map when it meets it).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Iterator, Optional

import torch

from .common import DatasetError, join_root, show_items, type_name


class LabelMapError(DatasetError):
    """A dense label map that is missing or not in LV-ViT's format."""


def label_map_path(image_path: str, label_root: str) -> str:
    """Where LV-ViT keeps an image's label map: ``label_root/<its folder>/<its stem>.pt``
    (the last two path components, extension replaced; ``tlt/data/dataset.py``)."""
    folder = osp.basename(osp.dirname(image_path))
    stem = osp.basename(image_path).split('.')[0]
    return osp.join(label_root, folder, stem + '.pt')


def check_label_map(scores: torch.Tensor, where: str,
                    num_classes: Optional[int] = None) -> torch.Tensor:
    """``scores`` as float32 if it is a ``(2, k, h, w)`` top-k map with integral class indices
    (``< num_classes`` where given); else :class:`LabelMapError` naming ``where``."""
    fmt = ('LV-ViT\'s format is a (2, k, h, w) tensor: top-k teacher scores [0] and their '
           'class indices [1] (tools: TokenLabeling/generate_label.py)')
    if not isinstance(scores, torch.Tensor):
        raise LabelMapError(f'{where}: holds a {type(scores).__name__}, not a tensor. {fmt}.')
    if scores.dim() != 4 or scores.shape[0] != 2 or min(scores.shape) < 1:
        raise LabelMapError(f'{where}: shape {tuple(scores.shape)}. {fmt}.')
    scores = scores.float()
    indices = scores[1]
    if not torch.isfinite(scores).all():
        raise LabelMapError(f'{where}: has NaN or infinite values. {fmt}.')
    if (indices != indices.round()).any() or (indices < 0).any():
        raise LabelMapError(f'{where}: its class indices [1] are not whole numbers >= 0. {fmt}.')
    if num_classes is not None and int(indices.max()) >= num_classes:
        raise LabelMapError(
            f'{where}: class index {int(indices.max())} but the classifier has {num_classes} '
            f'classes: the maps were made for another class list (or set num_classes).')
    return scores


def read_label_map(path: str, image_path: str = '',
                   num_classes: Optional[int] = None) -> torch.Tensor:
    """The checked ``(2, k, h, w)`` float32 label map of ``path`` (of image ``image_path``)."""
    where = f'label map {path!r}' + (f' of image {image_path!r}' if image_path else '')
    if not osp.isfile(path):
        raise LabelMapError(
            f'{where} does not exist. Token labeling needs one map per training image '
            f'(LABEL_ROOT/<class folder>/<image stem>.pt, e.g. the authors\' NFNet-F6 maps); '
            f'set the pipeline\'s LoadTokenLabel label_root, or train without token labels '
            f'(configs/cls/*_in1k.py recipes).')
    try:
        scores = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as exc:  # truncated or not a torch file
        raise LabelMapError(f'{where} cannot be read ({type(exc).__name__}: {exc}); '
                            f'regenerate it.') from exc
    return check_label_map(scores, where, num_classes)


#: Maps read in full before training (all of a smaller dataset, a sample of a larger one).
READ_LIMIT = 20000
#: Pipeline steps that move the image but not a label map's view (their TokenLabel*
#: versions move both).
PLAIN_GEOMETRY = ('RandomResizedCrop', 'RandomFlip', 'RandomCrop', 'CenterCrop',
                  'EfficientNetRandomCrop', 'EfficientNetCenterCrop')
TARGET_KEYS = ('gt_token_score', 'gt_crop_score')


def token_label_step(ds: dict, key: str = 'dataset') -> Optional[dict]:
    """The dataset pipeline's ``LoadTokenLabel`` step, or None; a pipeline that loads maps
    but would not train on them (no ``TokenLabelTarget`` after it, the targets not packed, a
    crop or flip that moves the image but not the map) is a :class:`DatasetError`."""
    steps = [s for s in ds.get('pipeline') or [] if isinstance(s, dict)]
    names = [type_name(s) for s in steps]
    if 'LoadTokenLabel' not in names:
        return None
    load = names.index('LoadTokenLabel')
    fix = ('see configs/_base_/cls/token_labeling.py for a token-labeling pipeline')
    if 'TokenLabelTarget' not in names[load:]:
        raise DatasetError(f'{key}.pipeline: LoadTokenLabel without a TokenLabelTarget after '
                           f'it: the maps would be read and dropped; {fix}.')
    target = names.index('TokenLabelTarget')
    plain = [n for n in names[load:target] if n in PLAIN_GEOMETRY]
    if plain:
        raise DatasetError(f'{key}.pipeline: {plain} between LoadTokenLabel and '
                           f'TokenLabelTarget move the image but not the label map: use '
                           f'TokenLabelRandomResizedCrop / TokenLabelRandomFlip; {fix}.')
    packs = [s for s in steps[target:] if type_name(s) == 'PackInputs']
    if not packs or not set(TARGET_KEYS) <= set(packs[0].get('algorithm_keys') or ()):
        raise DatasetError(f'{key}.pipeline: the token-labeling targets are not packed: '
                           f'end with PackInputs(algorithm_keys={TARGET_KEYS}); {fix}.')
    return steps[load]


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
            raise LabelMapError(f'{key}: {exc}') from None


def images_under(folder: str, suffixes) -> Iterator[str]:
    """Every image file under ``folder`` (sorted walk)."""
    for dirpath, dirnames, files in os.walk(folder):
        dirnames.sort()
        for name in sorted(files):
            if name.lower().endswith(suffixes):
                yield join_root(dirpath, name)
