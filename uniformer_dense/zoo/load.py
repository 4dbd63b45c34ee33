"""``zoo://NAME`` as a checkpoint: the cached file, read safely, in the layout our models load.

MMEngine's checkpoint loader learns the ``zoo://`` prefix (:func:`register_scheme`), so any
config's ``init_cfg`` or ``load_from`` can name zoo weights. Loading converts the authors'
formats (``SourceFormat.CONVERTED_ON_LOAD``): their MMDetection 2.x / MMSegmentation 0.x /
MMPose 0.x files (keys unchanged, mmcv 1.x container) and their SlowFast video files, whose
classifier is re-indexed by class name from the authors' class order to MMAction2's.
"""
from __future__ import annotations

from pathlib import Path

from mmengine.runner.checkpoint import CheckpointLoader

from ..convert import convert_loaded, read_class_list, read_class_lists
from ..formats import SourceFormat, convert_command
from ..safe_load import safe_torch_load, torch_error_line
from .cache import class_list_files, move_aside, offline, resolve
from .catalog import CLASS_LISTS, ZooWeights, get_entry
from .errors import ZooError


def load(name: str, map_location=None) -> dict:
    """The checkpoint dict of zoo entry ``name`` as this package loads it: the authors'
    formats converted (see :func:`to_loadable`). A cached file that fails to load is moved
    aside and downloaded once more."""
    entry = get_entry(name)
    for attempt in range(2):
        path = resolve(name)
        try:
            ckpt = safe_torch_load(path, map_location)
            break
        except Exception as exc:
            if attempt or offline():
                raise ZooError(f'{path} (zoo://{name}) does not load with safe loading: '
                               f'{type(exc).__name__}: {torch_error_line(exc)}. '
                               f'Delete it and run `python tools/download.py {name}`.') from exc
            move_aside(path, f'it does not load ({type(exc).__name__})')
    if not isinstance(ckpt, dict):
        raise ZooError(f'{path} (zoo://{name}) holds a {type(ckpt).__name__}, not a dict.')
    return to_loadable(entry, ckpt, path)


def to_loadable(entry: ZooWeights, ckpt: dict, path: Path) -> dict:
    """Convert the authors' file formats to what this package's models load."""
    fmt = entry.source_format
    if fmt == SourceFormat.SLOWFAST:
        return _authors_video(entry, ckpt, path)
    if fmt in SourceFormat.CONVERTED_ON_LOAD:
        return convert_loaded(ckpt, fmt, src=f'{path} (zoo://{entry.name})')
    return ckpt


def _authors_video(entry: ZooWeights, ckpt: dict, path: Path) -> dict:
    """The authors' SlowFast file as an MMAction2 recogniser checkpoint, its classifier
    re-indexed by class name to MMAction2's order. Without the class lists (offline and not
    cached) the classifier is left out and the checkpoint says why: a backbone still loads
    from it, a whole-model load stops with the exact command (see checkpoint.py)."""
    src = f'{path} (zoo://{entry.name})'
    try:
        authors, mmaction = class_list_files(entry.dataset)
        src_names, dst_names = read_class_lists(authors), read_class_list(mmaction)
    except ZooError as exc:
        out = convert_loaded(ckpt, SourceFormat.SLOWFAST, src=src, keep_class_order=True)
        state = out['state_dict']
        for key in [k for k in state if k.startswith('cls_head.')]:
            del state[key]
        authors_items, mmaction_item = CLASS_LISTS[entry.dataset]
        joined = ' and '.join(item.url for item in authors_items)
        if len(authors_items) > 1:
            joined += ' (one file: the lines of both)'
        command = convert_command(path, path.with_name(path.stem + '_mmaction2.pth'),
                                  config=entry.config)
        out['meta']['classifier_not_converted'] = (
            f"{src} is the authors' video file: its classifier rows follow the authors' class "
            f"order, and re-indexing them to MMAction2's needs the two class lists of "
            f"{entry.dataset}, which could not be had ({exc}). Fetch them once with "
            f"`python tools/download.py --class-lists` (online), then run again; or convert "
            f"the file yourself:\n  {command}\nwith AUTHORS_LIST from "
            f"{joined} and MMACTION2_LIST from {mmaction_item.url}")
        return out
    out = convert_loaded(ckpt, SourceFormat.SLOWFAST, src=src, src_classes=src_names,
                         dst_classes=dst_names)
    out['meta'].update(class_order_from=', '.join(p.name for p in authors),
                       class_order_to=mmaction.name)
    return out


def _load_zoo_checkpoint(filename: str, map_location=None):
    return load(filename[len('zoo://'):], map_location=map_location)


def register_scheme():
    """Teach MMEngine's checkpoint loader the ``zoo://`` prefix."""
    if 'zoo://' not in CheckpointLoader._schemes:
        CheckpointLoader.register_scheme(prefixes='zoo://', loader=_load_zoo_checkpoint)
