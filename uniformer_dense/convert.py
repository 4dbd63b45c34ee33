"""Conversion of the authors' released checkpoints to what this package loads.

Image tasks: the authors trained with forks of MMDetection 2.x, MMSegmentation 0.x and
MMPose 0.x (mmcv 1.x). Their backbone keys already match
:class:`~uniformer_dense.models.UniFormer`; what differs is the container (mmcv 1.x ``meta``
with ``CLASSES``, optimizer and AMP state) and, for pose, the head's name (``keypoint_head``
became ``head`` in MMPose 1.x).

Video: the authors trained with SlowFast. Their files hold ``{'model_state': {...}}`` (a
bare state dict on Hugging Face) with the backbone's keys at the top level, exactly those of
:class:`~uniformer_dense.models.UniFormerVideo`, and the classifier ``head.*`` whose rows
follow the authors' class order. In MMAction2's Recognizer3D the backbone sits under
``backbone.`` and the classifier is ``cls_head.fc_cls``; MMAction2 orders Kinetics classes
alphabetically, so the classifier's rows are re-indexed *by class name* between two class
lists (:func:`class_permutation`). MMAction2's own converted files already have the
recogniser's keys and pass through (re-indexed on request).

One table of key renames per source format; the result is an MMEngine-style checkpoint
``{'meta': {'dataset_meta': {'classes': ...}, ...}, 'state_dict': ...}``.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

from .checkpoint import (CheckpointError, extract_state_dict, is_authors_video_state,
                         read_checkpoint)
from .formats import AUTHORS_K400_CLASSES, SourceFormat, reindex_options

# (pattern, replacement) applied in order to every key, per source format
# (the formats of SourceFormat.CONVERTIBLE, one row each).
RENAMES: Dict[str, List[Tuple[str, str]]] = {
    # Mask / Cascade Mask R-CNN keys are unchanged in MMDetection 3.x
    SourceFormat.MMDET2: [],
    # UperHead / FCNHead / FPNHead keys are unchanged in MMSegmentation 1.x
    SourceFormat.MMSEG0: [],
    SourceFormat.MMPOSE0: [(r'^keypoint_head\.', 'head.')],
    # the authors' SlowFast files: classifier -> I3DHead's fc_cls, the rest under backbone.
    SourceFormat.SLOWFAST: [(r'^head\.', 'cls_head.fc_cls.'), (r'^(?!cls_head\.)', 'backbone.')],
    # MMAction2's converted UniFormer files: already a Recognizer3D's keys
    SourceFormat.MMACTION: [],
    # the authors' ImageNet classifiers: an MMPretrain ImageClassifier whose backbone is the
    # whole UniFormerClassifier (its heads included, configs/cls/)
    SourceFormat.IMAGENET: [(r'^', 'backbone.')],
}
SOURCES = SourceFormat.CONVERTIBLE
VIDEO_SOURCES = SourceFormat.VIDEO
# The classifier of a converted recogniser, whose rows are the classes.
VIDEO_CLASSIFIER = 'cls_head.fc_cls.'

ClassList = Union[str, Path, Sequence[str]]


# ------------------------------------------------------------------ source formats
def _is_image_classifier(state: dict) -> bool:
    """The authors' ImageNet file (or a 2D network's bare weights): 2D stem, ``head.*``."""
    stem = state.get('patch_embed1.proj.weight', state.get('patch_embed1.proj.0.weight'))
    return stem is not None and stem.dim() == 4 and 'head.weight' in state


def _image_given_as_video(src: str) -> CheckpointError:
    return CheckpointError(
        f"{src}: this is an image-network classification file (2D stem kernel "
        f"patch_embed1.proj, classifier head.*, e.g. the authors' ImageNet weights), not a "
        f"video recogniser nor a task checkpoint: --source imagenet makes it an MMPretrain "
        f"classifier's checkpoint (configs/cls/); as a backbone's init_cfg=dict("
        f"type='Pretrained', checkpoint=...) it loads as it is into the image backbone and by "
        f"inflation (3D kernels from its 2D ones) into the video UniFormer, as configs/video/*.py "
        f"do with zoo://uniformer_small_in1k.")


def guess_source(state: dict, src: str = '<checkpoint>') -> str:
    keys = list(state)
    if any(k.startswith('keypoint_head.') for k in keys):
        return SourceFormat.MMPOSE0
    if any(k.startswith(('decode_head.', 'auxiliary_head.')) for k in keys):
        return SourceFormat.MMSEG0
    if any(k.startswith(('rpn_head.', 'roi_head.')) for k in keys):
        return SourceFormat.MMDET2
    if any(k.startswith(VIDEO_CLASSIFIER) for k in keys):
        return SourceFormat.MMACTION
    if is_authors_video_state(state):
        return SourceFormat.SLOWFAST
    if _is_image_classifier(state):
        return SourceFormat.IMAGENET
    raise CheckpointError(
        f'{src}: cannot tell the checkpoint format from its keys (no rpn_head/roi_head, '
        f'decode_head, keypoint_head, cls_head.fc_cls, or the video backbone with head.*; '
        f'first keys: {", ".join(keys[:5])}): pass --source, one of {", ".join(SOURCES)}.')


def check_source(state: dict, source: str, src: str = '<checkpoint>') -> None:
    """Refuse a file that is not in the ``source`` format it is converted from (a video
    source needs the video network's keys), naming what it is instead."""
    if source == SourceFormat.SLOWFAST and not is_authors_video_state(state):
        if _is_image_classifier(state):
            raise _image_given_as_video(src)
        try:
            actual = f'its keys look like the {guess_source(state, src)!r} format'
        except CheckpointError:
            actual = f'first keys: {", ".join(list(state)[:5])}'
        raise CheckpointError(
            f"{src} is not the authors' video release (expected the video backbone's keys at "
            f"the top level, a 3D patch_embed1.proj.weight, and the classifier head.*; "
            f"{actual}). Pick the matching --source or leave it out to have it guessed.")
    if source == SourceFormat.MMACTION and not (any(k.startswith('backbone.') for k in state)
                                                and f'{VIDEO_CLASSIFIER}weight' in state):
        if is_authors_video_state(state):
            raise CheckpointError(f"{src} is the authors' video release: use --source slowfast "
                                  f"(or leave --source out).")
        raise CheckpointError(
            f'{src} is not an MMAction2 recogniser checkpoint (expected backbone.* and '
            f'{VIDEO_CLASSIFIER}weight; first keys: {", ".join(list(state)[:5])}).')


def convert_state_dict(state: dict, source: str) -> dict:
    if source not in RENAMES:
        raise ValueError(f'Unknown source format {source!r}; choose one of {SOURCES}.')
    out = {}
    for key, value in state.items():
        for pattern, repl in RENAMES[source]:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


# ------------------------------------------------------------------ class lists
def normalise_class_name(name: str) -> str:
    """The form in which two class lists are matched: letters and digits only, case-folded.
    Quoting, apostrophes, underscores, hyphens, parentheses and spacing do not count, so
    ``"petting animal (not cat)"``, ``petting_animal_not_cat`` and ``Petting animal (not
    cat)`` are one class, and ``massaging person's head``, ``massaging persons head`` and
    ``massaging_person_s_head`` are one too. (Two names of one list that become equal are
    refused, so the match never guesses.)"""
    return re.sub(r'[\W_]+', '', name.casefold())


def _parse_indexed(path: str, rows: List[Tuple[int, str]]) -> List[str]:
    counts = Counter(i for i, _ in rows)
    if sorted(counts) != list(range(len(rows))):
        repeated = sorted(i for i, c in counts.items() if c > 1)
        missing = sorted(set(range(len(rows))) - set(counts))
        raise ValueError(
            f'Class list {path}: the indices must be 0..{len(rows) - 1}, each once '
            f'(repeated: {repeated[:10]}, missing: {missing[:10]}).')
    return [name for _, name in sorted(rows)]


def read_class_list(path: Union[str, Path]) -> List[str]:
    """Class names in index order, from one of the usual label files:

    - one name per line, the line number being the index (MMAction2's ``label_map_*.txt``);
    - ``name<TAB>index`` or ``index<TAB>name`` per line (the authors' K400 list);
    - ``name index`` per line, the index last after a space, when every line has one and the
      indices are each of 0..N-1 once (the authors' Kinetics-600 lists);
    - JSON: ``{"name": index, ...}`` (SlowFast's class-name files) or ``["name", ...]``.
    """
    path = str(path)
    if not Path(path).is_file():
        raise FileNotFoundError(f'Class list {path!r} does not exist.')
    text = Path(path).read_text(encoding='utf-8-sig')
    if path.endswith('.json') or text.lstrip()[:1] in ('{', '['):
        data = json.loads(text)
        if isinstance(data, list) and all(isinstance(n, str) for n in data):
            names = data
        elif isinstance(data, dict) and all(isinstance(i, int) for i in data.values()):
            names = _parse_indexed(path, [(i, n) for n, i in data.items()])
        else:
            raise ValueError(f'Class list {path}: expected a JSON list of names or an object '
                             f'{{name: index}}.')
        return _check_names(path, names)
    return _parse_lines(path, text.splitlines())


def read_class_lists(paths: Sequence[Union[str, Path]]) -> List[str]:
    """One class list split over several text files (each line ``name index``, the indices
    numbering the classes across all files), e.g. the authors' Kinetics-600 'common' and
    'special' lists; a single path is :func:`read_class_list`."""
    paths = [str(p) for p in paths]
    if len(paths) == 1:
        return read_class_list(paths[0])
    lines = []
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f'Class list {path!r} does not exist.')
        lines += [line for line in Path(path).read_text(encoding='utf-8-sig').splitlines()
                  if line.strip()]
    return _parse_lines(' + '.join(paths), lines)


def _parse_lines(path: str, lines: List[str]) -> List[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    if any('\t' in line for line in lines):
        rows = []
        for n, line in enumerate(lines, 1):
            fields = [f.strip() for f in line.split('\t')]
            if len(fields) == 2 and fields[1].lstrip('-').isdigit():
                rows.append((int(fields[1]), fields[0]))
            elif len(fields) == 2 and fields[0].lstrip('-').isdigit():
                rows.append((int(fields[0]), fields[1]))
            else:
                raise ValueError(f'Class list {path}, line {n}: expected "name<TAB>index", '
                                 f'got {line!r}.')
        names = _parse_indexed(path, rows)
    else:
        spaced = [re.fullmatch(r'(.*\S)\s+(\d+)', line.strip()) for line in lines]
        if lines and all(spaced) and sorted(int(m.group(2)) for m in spaced) == list(
                range(len(lines))):
            names = _parse_indexed(path, [(int(m.group(2)), m.group(1)) for m in spaced])
        else:
            names = [line.strip() for line in lines]
    return _check_names(path, names)


def _check_names(path: str, names: List[str]) -> List[str]:
    empty = [n for n, name in enumerate(names, 1) if not name.strip()]
    if empty or not names:
        raise ValueError(f'Class list {path}: empty class name at entries {empty[:10]} '
                         f'(or no names at all).')
    return names


def _as_names(classes: ClassList, role: str = 'class list') -> Tuple[List[str], str]:
    """The names and how to call the list in messages."""
    if isinstance(classes, (str, Path)):
        return read_class_list(classes), f'{role} {classes}'
    return list(classes), role


def _normalised_once(names: List[str], where: str) -> List[str]:
    keys, seen = [], {}
    for name in names:
        key = normalise_class_name(name)
        if key in seen:
            raise ValueError(f'{where}: {seen[key]!r} and {name!r} are the same class once case, '
                             f'quotes and punctuation are ignored; name each class once.')
        seen[key] = name
        keys.append(key)
    return keys


def class_permutation(src_classes: ClassList, dst_classes: ClassList) -> List[int]:
    """For each class of ``dst_classes`` (in its order), its index in ``src_classes``,
    matched by normalised name (:func:`normalise_class_name`). The lists must name the same
    classes; otherwise the error lists the names that have no partner."""
    src, src_name = _as_names(src_classes, 'the source class list')
    dst, dst_name = _as_names(dst_classes, 'the destination class list')
    src_keys = _normalised_once(src, src_name)
    dst_keys = _normalised_once(dst, dst_name)
    index = {key: i for i, key in enumerate(src_keys)}
    no_source = [n for n, k in zip(dst, dst_keys) if k not in index]
    wanted = set(dst_keys)
    unused = [n for n, k in zip(src, src_keys) if k not in wanted]
    if no_source or unused:
        raise ValueError(
            f'The class lists do not name the same classes ({len(src)} names in {src_name}, '
            f'{len(dst)} in {dst_name}). Unmatched in {dst_name} ({len(no_source)}): '
            f'{no_source[:20]}; unmatched in {src_name} ({len(unused)}): {unused[:20]}. '
            f'Use two lists of the same dataset (names match ignoring case, punctuation and '
            f'spacing) or fix the names above.')
    return [index[k] for k in dst_keys]


def reindex_classifier(state: dict, permutation: Sequence[int],
                       prefix: str = VIDEO_CLASSIFIER, src: str = '<checkpoint>') -> dict:
    """Reorder the rows of the linear classifier ``prefix`` (weight and bias):
    new row ``j`` = old row ``permutation[j]``."""
    weight = state.get(f'{prefix}weight')
    if weight is None:
        raise CheckpointError(f'{src}: no classifier {prefix}weight to re-index.')
    if weight.shape[0] != len(permutation):
        raise CheckpointError(
            f'{src}: the classifier {prefix}weight has {weight.shape[0]} rows (classes) but the '
            f'class lists name {len(permutation)}: they belong to another dataset.')
    out = dict(state)
    order = torch.as_tensor(permutation, dtype=torch.long)
    for name in ('weight', 'bias'):
        if f'{prefix}{name}' in state:
            out[f'{prefix}{name}'] = state[f'{prefix}{name}'].index_select(0, order).clone()
    return out


# ------------------------------------------------------------------ the conversion
def convert_checkpoint(src: str, dst: str, source: Optional[str] = None,
                       classes: Optional[Sequence[str]] = None,
                       src_classes: Optional[ClassList] = None,
                       dst_classes: Optional[ClassList] = None,
                       keep_class_order: bool = False) -> dict:
    """Convert ``src`` to ``dst``; returns a summary (source format, tensors, classes).

    Video sources: ``src_classes`` and ``dst_classes`` (files or lists of names) re-index the
    classifier from the file's class order to the destination's, and the destination's names
    become the checkpoint's classes. The authors' files need them (their order is not
    MMAction2's), unless ``keep_class_order`` keeps the rows as they are (then
    ``src_classes``, if given, names them).
    """
    out = convert_loaded(read_checkpoint(src), source, str(src), classes, src_classes,
                         dst_classes, keep_class_order)
    torch.save(out, dst)
    meta = out['meta']
    return dict(source=meta['source_format'], tensors=len(out['state_dict']),
                classes=len(meta.get('dataset_meta', {}).get('classes') or ()), dst=str(dst),
                reindexed='class_order_to' in meta)


def convert_loaded(ckpt: dict, source: Optional[str] = None, src: str = '<checkpoint>',
                   classes: Optional[Sequence[str]] = None,
                   src_classes: Optional[ClassList] = None,
                   dst_classes: Optional[ClassList] = None,
                   keep_class_order: bool = False) -> dict:
    """:func:`convert_checkpoint` on a checkpoint already read (``src`` names it in
    messages): returns ``{'meta': ..., 'state_dict': ...}``. ``zoo://`` loads use it to
    convert the authors' files when they are loaded."""
    state = extract_state_dict(ckpt, src)
    source = source or guess_source(state, src)
    if source not in RENAMES:
        raise ValueError(f'Unknown source format {source!r}; choose one of {SOURCES}.')
    check_source(state, source, src)
    state = convert_state_dict(state, source)
    old_meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    classes = classes or old_meta.get('CLASSES') or old_meta.get('dataset_meta', {}).get('classes')
    meta = dict(converted_from=str(src), source_format=source)
    permutation = None
    if source in VIDEO_SOURCES:
        classes, permutation = _video_classes(state, source, src, classes, src_classes,
                                              dst_classes, keep_class_order)
        if permutation is not None:
            state = reindex_classifier(state, permutation, src=src)
            meta.update(class_order_from=_describe(src_classes),
                        class_order_to=_describe(dst_classes))
    elif src_classes is not None or dst_classes is not None:
        if source == SourceFormat.IMAGENET:  # class lists: the user took it for a video file
            raise _image_given_as_video(src)
        raise ValueError(f'--src-classes/--dst-classes re-index a video classifier; {src} is '
                         f'a {source} checkpoint.')
    if classes:
        meta['dataset_meta'] = dict(classes=tuple(classes))
    return dict(meta=meta, state_dict=state)


def _describe(classes: ClassList) -> str:
    return str(classes) if isinstance(classes, (str, Path)) else 'list'


def _video_classes(state, source, src, classes, src_classes, dst_classes, keep_class_order):
    """(class names for the meta, the classifier's new row order or None) of a video
    conversion."""
    rows = state[f'{VIDEO_CLASSIFIER}weight'].shape[0]
    if keep_class_order:
        if dst_classes is not None:
            raise ValueError('--keep-class-order keeps the rows as they are: give no '
                             '--dst-classes (or drop --keep-class-order to re-index).')
        if src_classes is not None:
            classes, where = _as_names(src_classes, 'the source class list')
            if len(classes) != rows:
                raise ValueError(f'{where} names {len(classes)} classes but the classifier of '
                                 f'{src} has {rows} rows.')
        return classes, None
    if (src_classes is None) != (dst_classes is None):
        raise ValueError('Re-indexing the classifier takes both class lists: --src-classes '
                         '(the order of the file\'s rows) and --dst-classes (the order wanted).')
    if src_classes is not None:
        src_names, where = _as_names(src_classes, 'the source class list')
        if len(src_names) != rows:
            raise ValueError(f'{where} names {len(src_names)} classes but the classifier of '
                             f'{src} has {rows} rows: a list of another dataset?')
        return (_as_names(dst_classes)[0], class_permutation(src_classes, dst_classes))
    if source == SourceFormat.SLOWFAST:
        raise ValueError(
            f"{src} is the authors' video release: its {rows} classifier rows follow the "
            f"authors' class order, not MMAction2's. Pass {reindex_options()} "
            f"to re-index them by class name (for Kinetics-400: "
            f"the authors' {AUTHORS_K400_CLASSES}, 'name<TAB>index', and MMAction2's "
            f"label_map_k400.txt), or --keep-class-order [--src-classes AUTHORS_LIST] to keep "
            f"the authors' order (then evaluate only with labels in that order).")
    return classes, None
