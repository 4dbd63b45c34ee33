"""MMSegmentation folder datasets: a folder of images and, beside it, one label map per image.

The label maps' values are checked while they are loaded, by ``CheckSegLabels``
(:mod:`uniformer_dense.datacheck.transforms`): reading every map before the run would read
the whole dataset twice.
"""
from __future__ import annotations

import os
import os.path as osp

from .common import DatasetError, show_items


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
            f'map: {show_items(absent)}. Restore them or remove the images.')
