"""A small deterministic dataset for demos and learning tests.

Images of coloured shapes on textured backgrounds, written in the layouts the toolboxes
read: COCO instances (boxes + polygons) for MMDetection and ADE20K-style images + label
maps for MMSegmentation; and short videos in MMAction2's video-list layout whose class is
carried only by motion (:func:`make_toy_videos`). The tasks are easy enough that a model
trained for a few minutes on a CPU clearly beats an untrained one, which is what the
learning tests assert.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import torch

CLASSES = ('rectangle', 'ellipse')
# A fixed colour per class keeps the toy task learnable in minutes.
COLOURS = {'rectangle': (230, 60, 40), 'ellipse': (40, 90, 230)}
# 17 keypoints per shape (COCO's count, so MMPose's COCO metainfo and OKS sigmas apply):
# fixed places in the shape's box, jittered, each drawn as a dot of its own colour.
NUM_KEYPOINTS = 17
_KP_TEMPLATE = np.array([(0.15 + 0.7 * ((k * 7) % 17) / 16, 0.15 + 0.7 * k / 16)
                         for k in range(NUM_KEYPOINTS)], dtype=np.float32)
_KP_COLOURS = [tuple(int(c) for c in cv2.cvtColor(np.uint8([[[k * 10, 255, 255]]]),
                                                  cv2.COLOR_HSV2RGB)[0, 0])
               for k in range(NUM_KEYPOINTS)]


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
        rel = _KP_TEMPLATE + rng.uniform(-0.04, 0.04, _KP_TEMPLATE.shape)
        keypoints = np.array([cx - w / 2, cy - h / 2]) + rel * np.array([w, h])
        for k, (x, y) in enumerate(keypoints):
            cv2.circle(img, (int(round(x)), int(round(y))), 1, _KP_COLOURS[k], -1)
        objects.append((cls, poly, keypoints))
    return img, objects


def make_coco_instances(root, n_train: int = 48, n_val: int = 12, size: int = 128,
                        max_objects: int = 3, seed: int = 0) -> Path:
    """Write ``root/{train,val}/*.png``, ``root/annotations/instances_{train,val}.json``
    (2 classes, boxes + polygons) and ``root/annotations/person_keypoints_{train,val}.json``
    (the same shapes as one category with 17 keypoints, for top-down pose).

    Later objects may occlude earlier ones; annotations keep the drawn polygons, as COCO
    crowd-free instances do, which is fine for a toy task.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    categories = [dict(id=i + 1, name=c, supercategory='shape') for i, c in enumerate(CLASSES)]
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    kp_category = dict(id=1, name='shape', supercategory='shape',
                       keypoints=[f'kp{k}' for k in range(NUM_KEYPOINTS)], skeleton=[])
    ann_id = 1
    for split, count in (('train', n_train), ('val', n_val)):
        (root / split).mkdir(parents=True, exist_ok=True)
        images, annotations, kp_annotations = [], [], []
        for i in range(count):
            img, objects = _scene(rng, size, max_objects)
            name = f'{split}_{i:04d}.png'
            cv2.imwrite(str(root / split / name), img[:, :, ::-1])
            image_id = len(images) + 1
            images.append(dict(id=image_id, file_name=name, width=size, height=size))
            for cls, poly, keypoints in objects:
                x0, y0 = poly.min(0)
                x1, y1 = poly.max(0)
                ann = dict(
                    id=ann_id, image_id=image_id, category_id=CLASSES.index(cls) + 1,
                    bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                    area=float(cv2.contourArea(poly)), iscrowd=0,
                    segmentation=[poly.flatten().round(2).tolist()])
                annotations.append(ann)
                kps = np.concatenate([keypoints, np.full((NUM_KEYPOINTS, 1), 2)], 1)
                kp_annotations.append(dict(ann, category_id=1, num_keypoints=NUM_KEYPOINTS,
                                           area=float((x1 - x0) * (y1 - y0)),
                                           keypoints=kps.flatten().round(2).tolist()))
                ann_id += 1
        (root / 'annotations' / f'instances_{split}.json').write_text(json.dumps(
            dict(images=images, annotations=annotations, categories=categories)))
        (root / 'annotations' / f'person_keypoints_{split}.json').write_text(json.dumps(
            dict(images=images, annotations=kp_annotations, categories=[kp_category])))
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
            for cls, poly, _ in objects:
                pts = np.round(poly).astype(np.int32)
                cv2.fillPoly(label, [pts], SEG_CLASSES.index(cls) + 1)
                cv2.polylines(label, [pts], True, 0, 1)
            name = f'{split}_{i:04d}.png'
            cv2.imwrite(str(root / 'images' / split / name), img[:, :, ::-1])
            cv2.imwrite(str(root / 'annotations' / split / name), label)
    return root


# Classification: one shape per image on a textured background; the class is the shape.
CLS_CLASSES = ('ellipse', 'rectangle', 'triangle')


def make_class_folders(root, n_train: int = 48, n_val: int = 24, size: int = 64,
                       seed: int = 3) -> Path:
    """Write ``root/{train,val}/<class>/*.png``, MMPretrain's folder-per-class layout: one
    filled shape of :data:`CLS_CLASSES` (random size, place and colour) per image; and for
    token labeling the training images' dense label maps, ``root/labels/<class>/*.pt``."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    for split, count in (('train', n_train), ('val', n_val)):
        for i in range(count):
            cls = CLS_CLASSES[i % len(CLS_CLASSES)]
            img = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)
            img_background = img.copy()
            colour = tuple(int(c) for c in rng.integers(120, 256, 3))
            r = rng.uniform(0.2, 0.35) * size
            cx, cy = rng.uniform(r, size - r, 2)
            if cls == 'ellipse':
                cv2.ellipse(img, (int(cx), int(cy)), (int(r), int(r * 0.7)), 0, 0, 360,
                            colour, -1)
            elif cls == 'rectangle':
                cv2.rectangle(img, (int(cx - r), int(cy - r * 0.7)),
                              (int(cx + r), int(cy + r * 0.7)), colour, -1)
            else:
                pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
                cv2.fillPoly(img, [pts], colour)
            folder = root / split / cls
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f'{split}_{i:04d}.png'), img[:, :, ::-1])
            if split == 'train':
                _write_label_map(root / 'labels' / cls / f'{split}_{i:04d}.pt',
                                 (img != img_background).any(-1), CLS_CLASSES.index(cls))
    return root


def _write_label_map(path: Path, shape_mask: np.ndarray, label: int, grid: int = 8) -> None:
    """A dense label map in LV-ViT's format (``(2, k, grid, grid)`` float16: top-k scores and
    class indices) as a teacher that sees the shape would give: on each cell, score ``8 x``
    the share of the cell the shape covers for the image's class, 0 for the others (so a
    background cell is uniform over the classes)."""
    size = shape_mask.shape[0]
    cover = shape_mask.reshape(grid, size // grid, grid, size // grid).mean((1, 3))
    order = [label] + [c for c in range(len(CLS_CLASSES)) if c != label]
    scores = np.zeros((len(order), grid, grid), np.float32)
    scores[0] = 8 * cover
    indices = np.broadcast_to(np.array(order, np.float32)[:, None, None], scores.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(torch.from_numpy(np.stack([scores, indices])).half(), str(path))


# Video: two identical squares glide across a static textured background, one horizontally
# and one vertically; the class is the pair of directions. Motion wraps around the frame and
# start positions are uniform, so in every frame each square sits anywhere with equal
# probability whatever the class: no single frame, and no unordered set of frames, tells
# the class (a frame-shuffled clip is at chance), only the order of the frames does.
VIDEO_CLASSES = ('right+down', 'right+up', 'left+down', 'left+up')
VIDEO_COLOUR = (230, 60, 40)


def _video_frames(rng: np.random.Generator, label: int, size: int, num_frames: int,
                  square: int):
    background = rng.integers(90, 160, (size, size, 3), dtype=np.uint8)
    background = cv2.GaussianBlur(background, (5, 5), 0)
    dx = 1 if VIDEO_CLASSES[label].startswith('right') else -1
    dy = 1 if VIDEO_CLASSES[label].endswith('down') else -1
    colour = np.clip(np.array(VIDEO_COLOUR) + rng.integers(-20, 21, 3), 0, 255).astype(np.uint8)
    # (start y, start x, step y, step x) of the horizontal and the vertical mover
    movers = []
    for axis, sign in ((1, dx), (0, dy)):
        speed = int(rng.integers(2, 5))
        step = (0, sign * speed) if axis == 1 else (sign * speed, 0)
        movers.append((*rng.integers(0, size, 2), *step))
    frames = []
    for t in range(num_frames):
        mask = np.zeros((size, size), bool)
        for y0, x0, sy, sx in movers:
            tile = np.zeros((size, size), bool)
            tile[:square, :square] = True
            mask |= np.roll(tile, ((y0 + t * sy) % size, (x0 + t * sx) % size), axis=(0, 1))
        frame = background.copy()
        frame[mask] = colour
        frames.append(frame)
    return frames


def _write_video(path: Path, frames, fps: int = 8) -> None:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path} with the mp4v codec.')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    writer.release()


def make_toy_videos(root, n_train: int = 256, n_val: int = 32, size: int = 64,
                    num_frames: int = 16, square: int = 12, seed: int = 2) -> Path:
    """Write MMAction2's video-list layout: ``root/videos/{train,val}_*.mp4`` (MPEG-4 part 2,
    ``size`` x ``size``, ``num_frames`` frames) and ``root/{train,val}_list.txt`` of
    ``videos/NAME.mp4 LABEL`` lines (labels index :data:`VIDEO_CLASSES`, balanced), plus a
    control set ``root/val_shuffled_list.txt``: the val videos with their frames in a random
    order (``videos/val_shuffled_*.mp4``, same labels), on which a model that reads motion
    falls to chance.
    """
    root = Path(root)
    (root / 'videos').mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, count in (('train', n_train), ('val', n_val)):
        lines, shuffled = [], []
        for i in range(count):
            label = i % len(VIDEO_CLASSES)
            frames = _video_frames(rng, label, size, num_frames, square)
            name = f'videos/{split}_{i:04d}.mp4'
            _write_video(root / name, frames)
            lines.append(f'{name} {label}')
            if split == 'val':
                order = rng.permutation(num_frames)
                name = f'videos/val_shuffled_{i:04d}.mp4'
                _write_video(root / name, [frames[k] for k in order])
                shuffled.append(f'{name} {label}')
        (root / f'{split}_list.txt').write_text('\n'.join(lines) + '\n')
        if split == 'val':
            (root / 'val_shuffled_list.txt').write_text('\n'.join(shuffled) + '\n')
    return root


# Long videos (STAN): about two minutes each, at a low frame rate and size. Two events far
# apart in time, a red square and a blue square each visible for `event_seconds`, one in the
# first half of the video and one in the second. The class is their *order*: every frame of
# a "red then blue" video could come from a "blue then red" one and the two classes have the
# same distribution of frame sets, so neither a single frame nor an order-blind average of
# frame features tells them apart; only where the events sit in time does.
LONG_VIDEO_CLASSES = ('red then blue', 'blue then red')
LONG_VIDEO_COLOURS = ((220, 40, 40), (40, 60, 220))


def _long_video_frames(rng: np.random.Generator, label: int, size: int, fps: int,
                       seconds: float, event_seconds: float):
    num_frames = int(round(seconds * fps))
    frame = _noisy_background(rng, size)
    event_len = int(round(event_seconds * fps))
    half = num_frames // 2
    margin = max(1, fps)  # at least a second between an event and the middle / the ends
    starts = (int(rng.integers(margin, half - event_len - margin)),
              int(rng.integers(half + margin, num_frames - event_len - margin)))
    colours = LONG_VIDEO_COLOURS if label == 0 else LONG_VIDEO_COLOURS[::-1]
    side = size // 2
    events = []
    for start, colour in zip(starts, colours):
        y, x = rng.integers(0, size - side + 1, 2)
        events.append((start, start + event_len, y, x, colour))
    frames = []
    for t in range(num_frames):
        img = frame()
        for begin, end, y, x, colour in events:
            if begin <= t < end:
                img[y:y + side, x:x + side] = colour
        frames.append(img)
    return frames


def make_toy_long_videos(root, n_train: int = 64, n_val: int = 32, size: int = 32,
                         fps: int = 4, seconds: float = 120., event_seconds: float = 12.,
                         seed: int = 4) -> Path:
    """Write ``root/videos/{train,val}_*.mp4`` (``seconds`` long at ``fps``, ``size`` px)
    and ``root/{train,val}_list.txt`` (``videos/NAME.mp4 LABEL``, labels index
    :data:`LONG_VIDEO_CLASSES`, balanced). Deterministic for a given seed."""
    root = Path(root)
    (root / 'videos').mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, count in (('train', n_train), ('val', n_val)):
        lines = []
        for i in range(count):
            label = i % len(LONG_VIDEO_CLASSES)
            name = f'videos/{split}_{i:04d}.mp4'
            _write_video(root / name, _long_video_frames(rng, label, size, fps, seconds,
                                                         event_seconds), fps=fps)
            lines.append(f'{name} {label}')
        (root / f'{split}_list.txt').write_text('\n'.join(lines) + '\n')
    return root


# Long videos that tell the two STAN streams apart (benchmarks/stream_ablation.py): each toy
# puts its class where one stream can see it and the other cannot.
#   motion:     a square glides sideways through the whole video, left or right (the class),
#               wrapping around the frame at a random speed: every frame, and every set of
#               frames seconds apart, is equally likely under both classes; a few
#               consecutive frames (one clip) tell the direction.
#   appearance: a red or a blue square (the class) is visible for ``event_seconds`` (2 s)
#               at a random moment; the rest is background. A frame inside those seconds
#               tells the class; a clip tells it only when it overlaps them.
#   order:      :func:`_long_video_frames` (a red and a blue event of 12 s, the class their
#               order).
STREAM_TOYS = {'motion': ('moving right', 'moving left'),
               'appearance': ('red square', 'blue square'),
               'order': LONG_VIDEO_CLASSES}


def _noisy_background(rng: np.random.Generator, size: int):
    """A blurred random background drawn now -> a function giving a new copy of it with a
    little sensor noise (so that no two frames are equal) at each call."""
    background = cv2.GaussianBlur(rng.integers(90, 170, (size, size, 3), dtype=np.uint8),
                                  (5, 5), 0)
    return lambda: cv2.add(background, rng.integers(0, 12, background.shape, dtype=np.uint8))


def _stream_toy_frames(rng: np.random.Generator, toy: str, label: int, size: int, fps: int,
                       seconds: float, event_seconds: float):
    if toy == 'order':
        return _long_video_frames(rng, label, size, fps, seconds, event_seconds)
    num_frames = int(round(seconds * fps))
    frame = _noisy_background(rng, size)
    frames = []
    if toy == 'motion':
        side = size // 4
        speed = int(rng.integers(3, 6)) * (1 if label == 0 else -1)
        y, x0 = rng.integers(0, size - side + 1), rng.integers(0, size)
        tile = np.zeros((size, size), bool)
        tile[y:y + side, :side] = True
        for t in range(num_frames):
            img = frame()
            img[np.roll(tile, (x0 + t * speed) % size, axis=1)] = (60, 200, 60)
            frames.append(img)
        return frames
    if toy != 'appearance':
        raise ValueError(f'toy {toy!r}: one of {sorted(STREAM_TOYS)}')
    side = size // 2
    length = int(round(event_seconds * fps))
    start = int(rng.integers(0, num_frames - length + 1))
    y, x = rng.integers(0, size - side + 1, 2)
    for t in range(num_frames):
        img = frame()
        if start <= t < start + length:
            img[y:y + side, x:x + side] = LONG_VIDEO_COLOURS[label]
        frames.append(img)
    return frames


def make_toy_stream_videos(root, toy: str, n_train: int = 64, n_val: int = 32,
                           size: int = 32, fps: int = 4, seconds: float = 96.,
                           event_seconds: Optional[float] = None, seed: int = 5) -> Path:
    """One of :data:`STREAM_TOYS` in the layout of :func:`make_toy_long_videos`
    (``root/videos/{train,val}_*.mp4``, ``root/{train,val}_list.txt``, balanced labels).
    ``event_seconds``: the appearance's (default 2 s) or each ordered event's (default 12 s)
    duration. Deterministic for a given toy and seed."""
    if toy not in STREAM_TOYS:
        raise ValueError(f'toy {toy!r}: one of {sorted(STREAM_TOYS)}')
    if event_seconds is None:
        event_seconds = 12. if toy == 'order' else 2.
    root = Path(root)
    (root / 'videos').mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, sorted(STREAM_TOYS).index(toy)])
    for split, count in (('train', n_train), ('val', n_val)):
        lines = []
        for i in range(count):
            label = i % 2
            name = f'videos/{split}_{i:04d}.mp4'
            _write_video(root / name, _stream_toy_frames(rng, toy, label, size, fps, seconds,
                                                         event_seconds), fps=fps)
            lines.append(f'{name} {label}')
        (root / f'{split}_list.txt').write_text('\n'.join(lines) + '\n')
    return root
