"""MMPretrain pipeline steps of token labeling: the label map travels with the image.

A token-labeling training pipeline (``configs/_base_/cls/token_labeling.py``)::

    LoadImageFromFile
    LoadTokenLabel(label_root=..., num_classes=1000)  # the image's (2, k, h, w) map
    TokenLabelRandomResizedCrop(scale=224, ...)       # MMPretrain's, and the map's view
    TokenLabelRandomFlip(prob=0.5)                    # mmcv's RandomFlip, and the view's
    RandAugment / RandomErasing                       # the image only
    TokenLabelTarget()                                # gt_token_score (N, C), gt_crop_score (C)
    PackInputs(algorithm_keys=('gt_token_score', 'gt_crop_score'))

The crop and flip steps are MMPretrain's / mmcv's own (same parameters, same randomness);
they also record on the map's :class:`~uniformer_dense.token_labeling.LabelMapView` which part
of the original image the crop shows, and :class:`TokenLabelTarget` samples the map there on
the classifier's token grid, once, after the last geometric step. RandAugment's shear,
translate and rotate operations move the image, not the map (the authors' pipeline moves both);
their magnitudes at m9 shift the targets by a fraction of a token.

Imports MMPretrain: :func:`uniformer_dense.registry.register_all` imports this module only
where MMPretrain is installed.
"""
from __future__ import annotations

from typing import Optional

from mmcv.transforms import BaseTransform, RandomFlip
from mmpretrain.datasets.transforms import RandomResizedCrop
from mmpretrain.registry import TRANSFORMS

from .datacheck.token_labels import label_map_path, read_label_map
from .token_labeling import TOKEN_STRIDE, LabelMapView, crop_targets, token_grid


class LoadTokenLabel(BaseTransform):
    """Read the image's dense label map (LV-ViT's format) from ``label_root``.

    Args:
        label_root: the maps' folder: ``label_root/<class folder>/<image stem>.pt``.
        num_classes: the classifier's classes (the maps' indices must be below it).

    Adds ``token_label`` (the ``(2, k, h, w)`` map), ``token_label_view`` (the whole
    image, unflipped) and ``token_label_classes``. A missing or malformed map raises a
    :class:`~uniformer_dense.datacheck.token_labels.LabelMapError` naming the image and the file (the
    package's tools check every map before training).
    """

    def __init__(self, label_root: str, num_classes: int = 1000):
        self.label_root = label_root
        self.num_classes = num_classes

    def transform(self, results: dict) -> dict:
        image = results['img_path']
        results['token_label'] = read_label_map(
            label_map_path(image, self.label_root), image, self.num_classes)
        results['token_label_view'] = LabelMapView()
        results['token_label_classes'] = self.num_classes
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(label_root={self.label_root!r}, '
                f'num_classes={self.num_classes})')


class TokenLabelRandomResizedCrop(RandomResizedCrop):
    """MMPretrain's ``RandomResizedCrop`` (same arguments); the label map's view is cropped
    to the same box."""

    def rand_crop_params(self, img):
        params = super().rand_crop_params(img)
        self._last_crop = params + tuple(img.shape[:2])
        return params

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        if 'token_label_view' in results:
            top, left, h, w, height, width = self._last_crop
            results['token_label_view'] = results['token_label_view'].crop(
                left / width, top / height, (left + w) / width, (top + h) / height)
        return results


class TokenLabelRandomFlip(RandomFlip):
    """mmcv's ``RandomFlip`` (same arguments); a flip of the image flips the label map's view."""

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        if 'token_label_view' in results:
            results['token_label_view'] = results['token_label_view'].flip(
                results['flip_direction'])


class TokenLabelTarget(BaseTransform):
    """The token-labeling targets of the final crop: ``gt_token_score`` ``(N, C)``, one row
    per token of the classifier's last stage (grid ``H / stride x W / stride``, row-major),
    and ``gt_crop_score`` ``(C,)`` for the class head; probabilities (softmax of the map's
    scores averaged over each cell / the whole crop). Place it after every geometric step
    and pack both keys: ``PackInputs(algorithm_keys=('gt_token_score', 'gt_crop_score'))``.
    """

    def __init__(self, stride: int = TOKEN_STRIDE):
        self.stride = stride

    def transform(self, results: dict) -> dict:
        if 'token_label' not in results:
            raise KeyError(f'TokenLabelTarget: no label map for image '
                           f'{results.get("img_path")!r}: put LoadTokenLabel before it.')
        height, width = results['img'].shape[:2]
        tokens, crop = crop_targets(results.pop('token_label'),
                                    results.pop('token_label_view'),
                                    token_grid(height, width, self.stride),
                                    results.pop('token_label_classes'))
        results['gt_token_score'], results['gt_crop_score'] = tokens, crop
        return results

    def __repr__(self):
        return f'{type(self).__name__}(stride={self.stride})'


TRANSFORM_CLASSES = (LoadTokenLabel, TokenLabelRandomResizedCrop, TokenLabelRandomFlip,
                     TokenLabelTarget)


def register_cls_transforms(registry: Optional[object] = None) -> None:
    """Register the token-labeling steps in MMPretrain's TRANSFORMS (idempotent)."""
    registry = registry or TRANSFORMS
    for cls in TRANSFORM_CLASSES:
        if registry.module_dict.get(cls.__name__) is not cls:
            registry.register_module(name=cls.__name__, module=cls, force=True)
