"""MMDetection's COCO metric, for an annotation file that lists only some of the model's
classes, under any tool that reads the config.

The package's ``tools/test.py`` rewrites such a file before the run
(:func:`uniformer_dense.coco_categories.match_coco_categories`); MMDetection's own
``tools/test.py`` and validation during training do not, and ``CocoMetric`` then stops with
``IndexError`` (it maps label ``i`` to the file's ``i``-th category). The shipped detection
configs name :class:`CategorySubsetCocoMetric` instead: it matches the file's categories to
the model's classes by name when it learns the classes (before the first image), with the
same matching, messages and error as the package's path
(:func:`~uniformer_dense.coco_categories.match_categories`), and reports what it evaluated
as ``coco/categories`` in the metrics. On a file listing the classes in the config's order it
is ``CocoMetric`` exactly.

Imports MMDetection: :func:`uniformer_dense.registry.register_all` imports this module only
where MMDetection is installed.
"""
from __future__ import annotations

import logging
from typing import Dict, Optional

from mmdet.evaluation.metrics import CocoMetric
from mmdet.registry import METRICS
from mmengine.logging import print_log

from .coco_categories import match_categories, matched_warning

# The dataset config a category mismatch is fixed in (the metric does not know its split).
DATASET_KEY = '{val,test}_dataloader.dataset'


class CategorySubsetCocoMetric(CocoMetric):
    """``CocoMetric`` that evaluates a file listing some of the model's classes on those
    classes, matched by name (see the module docstring); arguments as ``CocoMetric``'s."""

    def __init__(self, ann_file: Optional[str] = None, **kwargs):
        super().__init__(ann_file=ann_file, **kwargs)
        self.ann_file = ann_file
        self.matched_categories: Optional[dict] = None

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        """The runner's loop sets the dataset's classes here before the first image: match
        the annotation file to them now, so a file naming other classes stops the run."""
        self._dataset_meta = dataset_meta
        classes = list((dataset_meta or {}).get('classes') or [])
        if self._coco_api is None or not classes or self.matched_categories is not None:
            return
        matched = match_categories(self._coco_api.dataset, classes, self.ann_file, DATASET_KEY)
        if matched is None:
            return
        self._coco_api.createIndex()  # the categories changed: rebuild the lookups
        self._coco_api.img_ann_map = self._coco_api.imgToAnns  # MMDetection's aliases
        self._coco_api.cat_img_map = self._coco_api.catToImgs
        self.cat_ids = None  # looked up again from the matched categories
        self.matched_categories = dict(matched, source_ann_file=self.ann_file)
        print_log(matched_warning(self.matched_categories), logger='current',
                  level=logging.WARNING)

    def compute_metrics(self, results: list) -> Dict:
        metrics = super().compute_metrics(results)
        if self.matched_categories is not None:
            metrics['categories'] = dict(self.matched_categories)
        return metrics


def register_coco_metric() -> None:
    """Register :class:`CategorySubsetCocoMetric` in MMDetection's METRICS (idempotent)."""
    if METRICS.module_dict.get('CategorySubsetCocoMetric') is not CategorySubsetCocoMetric:
        METRICS.register_module(name='CategorySubsetCocoMetric',
                                module=CategorySubsetCocoMetric, force=True)
