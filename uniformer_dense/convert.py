"""Conversion of the authors' released task checkpoints to what this package loads.

The authors trained with forks of MMDetection 2.x, MMSegmentation 0.x and MMPose 0.x
(mmcv 1.x). Their backbone keys already match :class:`~uniformer_dense.models.UniFormer`;
what differs is the container (mmcv 1.x ``meta`` with ``CLASSES``, optimizer and AMP
state) and, for pose, the head's name (``keypoint_head`` became ``head`` in MMPose 1.x).
One table of key renames per source format; the result is an MMEngine-style checkpoint
``{'meta': {'dataset_meta': {'classes': ...}, ...}, 'state_dict': ...}``.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import torch

from .checkpoint import CheckpointError, extract_state_dict, read_checkpoint

# (pattern, replacement) applied in order to every key, per source format.
RENAMES: Dict[str, List[Tuple[str, str]]] = {
    'mmdet2': [],  # Mask / Cascade Mask R-CNN keys are unchanged in MMDetection 3.x
    'mmseg0': [],  # UperHead / FCNHead / FPNHead keys are unchanged in MMSegmentation 1.x
    'mmpose0': [(r'^keypoint_head\.', 'head.')],
}
SOURCES = tuple(RENAMES)


def guess_source(state: dict) -> str:
    keys = list(state)
    if any(k.startswith('keypoint_head.') for k in keys):
        return 'mmpose0'
    if any(k.startswith(('decode_head.', 'auxiliary_head.')) for k in keys):
        return 'mmseg0'
    if any(k.startswith(('rpn_head.', 'roi_head.')) for k in keys):
        return 'mmdet2'
    raise CheckpointError('Cannot tell the checkpoint format from its keys (no rpn_head/'
                          'roi_head, decode_head or keypoint_head): pass --source.')


def convert_state_dict(state: dict, source: str) -> dict:
    if source not in RENAMES:
        raise ValueError(f'Unknown source format {source!r}; choose one of {SOURCES}.')
    out = {}
    for key, value in state.items():
        for pattern, repl in RENAMES[source]:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


def convert_checkpoint(src: str, dst: str, source: Optional[str] = None,
                       classes: Optional[tuple] = None) -> dict:
    """Convert ``src`` to ``dst``; returns a summary (source format, tensors, classes)."""
    ckpt = read_checkpoint(src)
    state = extract_state_dict(ckpt, src)
    source = source or guess_source(state)
    state = convert_state_dict(state, source)
    old_meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    classes = classes or old_meta.get('CLASSES') or old_meta.get('dataset_meta', {}).get('classes')
    meta = dict(converted_from=str(src), source_format=source)
    if classes:
        meta['dataset_meta'] = dict(classes=tuple(classes))
    torch.save(dict(meta=meta, state_dict=state), dst)
    return dict(source=source, tensors=len(state), classes=len(classes or ()), dst=str(dst))
