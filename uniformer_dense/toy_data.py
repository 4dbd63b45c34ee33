"""A small deterministic dataset for demos and learning tests.

Images of coloured shapes on textured backgrounds, written in the layouts the toolboxes
read: COCO instances (boxes + polygons) for MMDetection and ADE20K-style images + label
maps for MMSegmentation. The shapes are easy enough that a model trained for a few minutes
on a CPU clearly beats an untrained one, which is what the learning tests assert.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

CLASSES = ('rectangle', 'ellipse')
# A fixed colour per class keeps the toy task learnable in minutes.
COLOURS = {'rectangle': (230, 60, 40), 'ellipse': (40, 90, 230)}


def _polygon(cls: str, cx: float, cy: float, w: float, h: float):
    if cls == 'rectangle':
        pts = [(cx - w / 2, cy - h / 2), (cx + w / 2, cy - h / 2),
               (cx + w / 2, cy + h / 2), (cx - w / 2, cy + h / 2)]
    else:
        pts = [(cx + w / 2 * math.cos(t), cy + h / 2 * math.sin(t))
               for t in np.linspace(0, 2 * math.pi, 24, endpoint=False)]
    return np.array(pts, dtype=np.float32)


def _scene(rng: np.random.Generator, size: int, max_objects: int):
    img = rng.integers(90, 160, (size, size, 3), dtype=np.uint8)
    img = cv2.GaussianBlur(img, (5, 5), 0)
    objects = []
    for _ in range(rng.integers(1, max_objects + 1)):
        cls = CLASSES[rng.integers(len(CLASSES))]
        w, h = rng.uniform(0.2, 0.45, 2) * size
        cx, cy = rng.uniform(w / 2 + 2, size - w / 2 - 2), rng.uniform(h / 2 + 2, size - h / 2 - 2)
        poly = _polygon(cls, cx, cy, w, h)
        colour = np.clip(np.array(COLOURS[cls]) + rng.integers(-25, 26, 3), 0, 255)
        cv2.fillPoly(img, [np.round(poly).astype(np.int32)], colour.tolist())
        objects.append((cls, poly))
    return img, objects


def make_coco_instances(root, n_train: int = 48, n_val: int = 12, size: int = 128,
                        max_objects: int = 3, seed: int = 0) -> Path:
    """Write ``root/{train,val}/*.png`` and ``root/annotations/instances_{train,val}.json``.

    Later objects may occlude earlier ones; annotations keep the drawn polygons, as COCO
    crowd-free instances do, which is fine for a toy task.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    categories = [dict(id=i + 1, name=c, supercategory='shape') for i, c in enumerate(CLASSES)]
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    ann_id = 1
    for split, count in (('train', n_train), ('val', n_val)):
        (root / split).mkdir(parents=True, exist_ok=True)
        images, annotations = [], []
        for i in range(count):
            img, objects = _scene(rng, size, max_objects)
            name = f'{split}_{i:04d}.png'
            cv2.imwrite(str(root / split / name), img[:, :, ::-1])
            image_id = len(images) + 1
            images.append(dict(id=image_id, file_name=name, width=size, height=size))
            for cls, poly in objects:
                x0, y0 = poly.min(0)
                x1, y1 = poly.max(0)
                annotations.append(dict(
                    id=ann_id, image_id=image_id, category_id=CLASSES.index(cls) + 1,
                    bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                    area=float(cv2.contourArea(poly)), iscrowd=0,
                    segmentation=[poly.flatten().round(2).tolist()]))
                ann_id += 1
        (root / 'annotations' / f'instances_{split}.json').write_text(json.dumps(
            dict(images=images, annotations=annotations, categories=categories)))
    return root


# ADE20K-style label values: 0 is ignored (reduce_zero_label), then one value per class.
SEG_CLASSES = ('background',) + CLASSES


def make_ade_segmentation(root, n_train: int = 32, n_val: int = 8, size: int = 128,
                          max_objects: int = 3, seed: int = 1) -> Path:
    """Write ``root/images/{training,validation}/*.png`` and
    ``root/annotations/{training,validation}/*.png`` as MMSegmentation's ADE20K layout.

    Label 1 is background, 2 rectangle, 3 ellipse; a 1-pixel band on every shape's outline
    is 0 (ignored), as ADE20K leaves unlabelled pixels.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    for split, count in (('training', n_train), ('validation', n_val)):
        (root / 'images' / split).mkdir(parents=True, exist_ok=True)
        (root / 'annotations' / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            img, objects = _scene(rng, size, max_objects)
            label = np.ones((size, size), np.uint8)
            for cls, poly in objects:
                pts = np.round(poly).astype(np.int32)
                cv2.fillPoly(label, [pts], SEG_CLASSES.index(cls) + 1)
                cv2.polylines(label, [pts], True, 0, 1)
            name = f'{split}_{i:04d}.png'
            cv2.imwrite(str(root / 'images' / split / name), img[:, :, ::-1])
            cv2.imwrite(str(root / 'annotations' / split / name), label)
    return root
