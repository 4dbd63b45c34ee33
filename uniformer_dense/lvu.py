"""The LVU benchmark (Long-form Video Understanding, Wu & Krähenbühl, CVPR 2021) from its
released files to MMAction2 video lists.

LVU 1.0 ships ``lvu_1.0/<task>/{train,val,test}.csv`` for nine tasks: a header line, then one
whitespace-separated row per video whose first field is the label (for ``like_ratio`` the
first two: likes and dislikes) and whose second-to-last field is the YouTube id (the layout
LVU's own loader reads: ``src/data/video_data_helper.py``). The protocol (LVU's code and
paper): top-1 accuracy for the seven classification tasks (``genre`` included: one class
index per video), mean squared error for the two regression tasks, whose targets are
``log(views)`` and ``likes / (likes + dislikes) x 10``.

:func:`prepare_lists` (``tools/prepare_lvu.py``) matches the ids to downloaded files
(``<id>.mp4|.mkv|.webm``) and writes ``<task>_<split>.txt`` lines ``<file> LABEL`` (a class
index, or the regression target with 6 decimals); videos not downloaded are left out of the
lists and reported (counts, first ids, ``missing_videos.txt`` listing all). Pure Python: the
datasets, head and metric that read the lists are in :mod:`uniformer_dense.long_video`.
"""
from __future__ import annotations

import math
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Tuple

from .errors import UserError

SPLITS = ('train', 'val', 'test')
VIDEO_SUFFIXES = ('.mp4', '.mkv', '.webm')
MISSING_REPORT = 'missing_videos.txt'


class LVUTask(NamedTuple):
    name: str
    num_classes: Optional[int]  # None: regression (mean squared error)
    what: str


#: The nine tasks, with LVU's class counts (``run.sh``).
LVU_TASKS = {t.name: t for t in (
    LVUTask('relationship', 4, 'relationship of the characters'),
    LVUTask('way_speaking', 5, 'way of speaking'),
    LVUTask('scene', 6, 'scene / place'),
    LVUTask('director', 10, 'director'),
    LVUTask('writer', 10, 'writer'),
    LVUTask('genre', 4, 'genre'),
    LVUTask('year', 9, 'year (period)'),
    LVUTask('like_ratio', None, 'likes / (likes + dislikes) x 10'),
    LVUTask('view_count', None, 'log(view count)'),
)}


class LVUError(UserError, ValueError):
    """An LVU file that cannot be read as released."""


def parse_row(task: str, line: str, where: str) -> Tuple[str, float]:
    """``(youtube id, label)`` of one CSV row of ``task`` (``where``: file:line for errors);
    the label is a class index (int) or the regression target (float)."""
    fields = line.split()
    need = 4 if task == 'like_ratio' else 3  # label(s), ..., the YouTube id, one more
    if len(fields) < need:
        raise LVUError(f'{where}: {line.strip()!r} has {len(fields)} fields; LVU rows are '
                       f'"LABEL ... YOUTUBE_ID X" (like_ratio: "LIKES DISLIKES ... ID X").')
    try:
        if task == 'view_count':
            views = float(fields[0])
            if views <= 0:
                raise ValueError('a view count must be > 0')
            label = math.log(views)
        elif task == 'like_ratio':
            likes, dislikes = float(fields[0]), float(fields[1])
            if likes < 0 or dislikes < 0 or likes + dislikes == 0:
                raise ValueError('likes and dislikes must be >= 0, not both 0')
            label = likes / (likes + dislikes) * 10.
        else:
            label = int(fields[0])
            classes = LVU_TASKS[task].num_classes
            if not 0 <= label < classes:
                raise ValueError(f'class index outside 0..{classes - 1}')
    except ValueError as exc:
        kind = ('a number' if LVU_TASKS[task].num_classes is None
                else f'a class index of the {LVU_TASKS[task].num_classes} classes')
        shown = fields[:2] if task == 'like_ratio' else fields[:1]
        raise LVUError(f'{where}: label {" ".join(shown)!r} of task {task!r} is not '
                       f'{kind} ({exc}).') from None
    return fields[-2], label


def read_csv(path: str, task: str) -> List[Tuple[str, float]]:
    """Every ``(youtube id, label)`` row of one LVU CSV (the header line skipped)."""
    rows = []
    with open(path) as f:
        f.readline()
        for lineno, line in enumerate(f, 2):
            if line.strip():
                rows.append(parse_row(task, line, f'{path}:{lineno}'))
    return rows


def downloaded_videos(video_dir: str) -> Dict[str, str]:
    """YouTube id -> file name of every video in ``video_dir`` (``<id>.mp4|.mkv|.webm``)."""
    found = {}
    for name in sorted(os.listdir(video_dir)):
        stem, suffix = osp.splitext(name)
        if suffix.lower() in VIDEO_SUFFIXES and stem not in found:
            found[stem] = name
    return found


def format_label(label) -> str:
    return str(label) if isinstance(label, int) else f'{label:.6f}'


def prepare_lists(lvu_root: str, video_dir: str, out_dir: str,
                  tasks: Optional[List[str]] = None) -> dict:
    """Write ``out_dir/<task>_<split>.txt`` for every task folder of ``lvu_root`` (or
    ``tasks``) and ``out_dir/missing_videos.txt``; return the report: per task and split
    ``listed`` / ``written`` / ``missing`` counts, and ``missing_ids`` (task, split, id)."""
    if not osp.isdir(lvu_root):
        raise LVUError(f'LVU root {lvu_root!r} does not exist: unpack lvu_1.0.tar.gz '
                       f'(https://chaoyuan.org/lvu/) there.')
    if not osp.isdir(video_dir):
        raise LVUError(f'Video folder {video_dir!r} does not exist: download the YouTube '
                       f'videos there as <id>.mp4 (or .mkv / .webm).')
    if tasks is None:
        tasks = [t for t in LVU_TASKS if osp.isdir(osp.join(lvu_root, t))]
        if not tasks:
            raise LVUError(f'{lvu_root!r} holds none of the LVU task folders '
                           f'({", ".join(LVU_TASKS)}).')
    unknown = [t for t in tasks if t not in LVU_TASKS]
    if unknown:
        raise LVUError(f'Unknown LVU task(s) {unknown}; the nine are {list(LVU_TASKS)}.')
    videos = downloaded_videos(video_dir)
    os.makedirs(out_dir, exist_ok=True)
    report = {'tasks': {}, 'missing_ids': []}
    for task in tasks:
        for split in SPLITS:
            path = osp.join(lvu_root, task, f'{split}.csv')
            if not osp.isfile(path):
                raise LVUError(f'{path!r} does not exist: LVU 1.0 has train, val and test '
                               f'CSVs for every task.')
            rows = read_csv(path, task)
            lines = [f'{videos[vid]} {format_label(label)}' for vid, label in rows
                     if vid in videos]
            missing = [vid for vid, _ in rows if vid not in videos]
            with open(osp.join(out_dir, f'{task}_{split}.txt'), 'w') as f:
                f.write(''.join(line + '\n' for line in lines))
            report['tasks'][f'{task}/{split}'] = dict(
                listed=len(rows), written=len(lines), missing=len(missing))
            report['missing_ids'] += [(task, split, vid) for vid in missing]
    with open(osp.join(out_dir, MISSING_REPORT), 'w') as f:
        f.write(''.join(f'{task} {split} {vid}\n' for task, split, vid in report['missing_ids']))
    return report
