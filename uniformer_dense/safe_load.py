"""Reading checkpoint files without running their code, and saying what a file is.

A ``.pth`` is a pickle, and unpickling an untrusted one runs its code, so every file is
loaded with ``torch.load(weights_only=True)`` (:func:`safe_torch_load`): downloaded,
user-given and our own files alike. torch >= 2.6 then unpickles only allow-listed types, and
MMEngine 0.10.7 does not adapt (its training checkpoints hold ``HistoryBuffer`` objects and
numpy scalars), so :func:`allow_mmengine_checkpoint_types` allows exactly those benign types.

Before anything is unpickled, :func:`checkpoint_problem` tells from a file's first bytes (and
a zip's directory) whether it is a PyTorch checkpoint at all and, if not, what it is (an HTML
page, a JSON error, a truncated zip...), for the downloader, the cache and ``zoo://`` loads.
"""
from __future__ import annotations

import argparse
import pickle
import re
import zipfile
from pathlib import Path
from typing import Optional

import torch

# ---------------------------------------------------------------- the allow-list


def _history_buffer_getattr(obj, name):
    """Stand-in for ``getattr`` while unpickling: MMEngine's ``HistoryBuffer`` pickles its
    statistics methods as ``getattr(HistoryBuffer, 'mean')``. Only that is allowed."""
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and isinstance(name, str) and callable(vars(HistoryBuffer).get(name)):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint: only the statistics '
        f'methods of MMEngine\'s HistoryBuffer are allowed.')


def allow_mmengine_checkpoint_types():
    """Let ``torch.load(weights_only=True)`` read MMEngine's own training checkpoints.

    torch >= 2.6 unpickles only allow-listed types by default, and MMEngine 0.10.7 does not
    adapt: its checkpoints hold ``HistoryBuffer`` objects (message hub) with numpy arrays,
    numpy scalars in ``meta``, and ``getattr(HistoryBuffer, 'min')`` references, so
    ``--resume`` and ``load_from`` fail. We allow exactly those benign types, and a
    ``getattr`` that resolves nothing but HistoryBuffer's methods; safe loading itself stays
    on for every file, downloaded or not.
    """
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    multiarray = getattr(np, '_core', np.core).multiarray
    dtype_classes = [type(np.dtype(t)) for t in (
        np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
        np.uint32, np.bool_)]  # uint32: numpy's generator state (RandomStateHook)
    torch.serialization.add_safe_globals(
        [HistoryBuffer, multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
         *dtype_classes, (_history_buffer_getattr, 'builtins.getattr'),
         # the authors' DeiT-based ImageNet training saves its command line as
         # {'args': argparse.Namespace(...)}: a plain attribute holder (its values are still
         # unpickled under the same allow-list)
         argparse.Namespace])


def safe_torch_load(path, map_location=None):
    """``torch.load(weights_only=True)`` with this package's allow-list in force: it is set
    again each time, because ``torch.serialization.safe_globals`` contexts of other libraries
    (timm's checkpoint loader) remove the types they name on exit, ours included."""
    allow_mmengine_checkpoint_types()
    return torch.load(path, map_location=map_location, weights_only=True)


def torch_error_line(exc: Exception) -> str:
    """The informative line of a ``torch.load`` error (its first lines are boilerplate)."""
    lines = [ln.strip() for ln in re.sub(r'\x1b\[[0-9;]*m', '', str(exc)).splitlines()
             if ln.strip()]
    for line in lines:
        if 'Unsupported global' in line or 'WeightsUnpickler error' in line:
            line = line.replace('WeightsUnpickler error: ', '')
            return line.split(' was not an allowed global')[0] + ' is not allowed'
    return (lines[0] if lines else '')[:300]


def safe_load_problem(path: Path) -> Optional[str]:
    """Whether ``path`` loads with safe unpickling (``weights_only=True``) as a dict."""
    try:
        obj = safe_torch_load(path, 'cpu')
    except Exception as exc:  # torch raises many types for damaged or unsafe files
        return (f'it does not load with safe loading (weights_only=True): '
                f'{type(exc).__name__}: {torch_error_line(exc)}')
    if not isinstance(obj, dict):
        return f'it holds a {type(obj).__name__}, not a dict of weights'
    return None


# ---------------------------------------------------------------- what a file is
ZIP_MAGIC = b'PK\x03\x04'
PICKLE_PROTOCOLS = (2, 3, 4, 5)  # a pickle stream starts with PROTO (0x80) and its number


def torch_container(head: bytes) -> Optional[str]:
    """Which of PyTorch's two file containers the first bytes ``head`` start: 'zip' (what
    ``torch.save`` writes) or 'pickle' (its legacy format); None for anything else."""
    if head.startswith(ZIP_MAGIC):
        return 'zip'
    if len(head) >= 2 and head[0] == 0x80 and head[1] in PICKLE_PROTOCOLS:
        return 'pickle'
    return None


def describe_bytes(head: bytes, content_type: str = '') -> str:
    """What some bytes are, in words, for messages: 'an HTML page', 'a JSON document'..."""
    text = head.lstrip()[:64].lower()
    container = torch_container(head)
    if text.startswith((b'<!doctype html', b'<html')) or b'<html' in head[:1024].lower() \
            or 'html' in content_type:
        what = 'an HTML page'
    elif text.startswith((b'{', b'[')) or 'json' in content_type:
        what = 'a JSON document'
    elif container == 'zip':
        what = 'a zip archive'
    elif container == 'pickle':
        what = 'a pickle'
    elif not head:
        what = 'no bytes at all'
    else:
        try:
            head[:256].decode('utf-8')
            what = 'text'
        except UnicodeDecodeError:
            what = 'unknown binary data'
    snippet = head[:80].decode('utf-8', 'replace').replace('\n', ' ').strip()
    ctype = f'Content-Type {content_type}, ' if content_type else ''
    return f'{what} ({ctype}starting {snippet!r})' if head else what


def _zip_problem(path: Path) -> Optional[str]:
    """None if ``path`` is a complete zip archive holding a PyTorch pickle, else why not."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        return (f'a zip archive without its end record ({exc}): the transfer was cut short '
                f'or the file is damaged')
    if not any(n.endswith('data.pkl') for n in names):
        return f'a zip archive but not a PyTorch checkpoint (no data.pkl among {names[:5]})'
    return None


def checkpoint_problem(path: Path) -> Optional[str]:
    """Cheap check that ``path`` is a PyTorch checkpoint file (zip with its directory, or a
    pickle); returns what it is instead, or None. Does not unpickle anything."""
    size = path.stat().st_size
    with open(path, 'rb') as f:
        head = f.read(1024)
    container = torch_container(head)
    if container == 'zip':
        return _zip_problem(path)
    if container == 'pickle':
        return None  # torch's legacy (non-zip) format: a pickle stream
    return f'not a PyTorch checkpoint but {describe_bytes(head)}, {size} bytes'
