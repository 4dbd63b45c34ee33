"""The one checkpoint loader: reading files, unwrapping, comparing with a model, reporting.

Every path that puts weights into a UniFormer backbone goes through
:func:`load_backbone_checkpoint`: ``init_cfg=dict(type='Pretrained', ...)`` in any toolbox
config, the conversion tool, and the tests. It accepts the authors' ImageNet files (weights
under ``model``), MMEngine files (under ``state_dict``), bare state dicts and whole-detector
/ segmentor / pose / recogniser checkpoints (``prefix='backbone.'``), the authors' video files
(weights under ``model_state``), and reports exactly which keys were dropped, inflated,
missing or unexpected. A 2D ImageNet file given to the video network is inflated by
:func:`inflate_average_over_time`. A mismatch is an error unless the caller asks for a
partial load (``strict=False``), and then the report says what was skipped.

Files are read with safe unpickling (:mod:`uniformer_dense.safe_load`); saving is
:mod:`uniformer_dense.atomic_io`; timm's checkpoint filter sits with the timm registration
(:mod:`uniformer_dense.timm_filters`).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.logging import MMLogger, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .errors import UserError
from .formats import AUTHORS_K400_CLASSES, convert_command
from .safe_load import safe_torch_load


class CheckpointError(UserError, RuntimeError):
    """A checkpoint that cannot be read or does not fit the model."""


# Keys of the authors' ImageNet classifiers that a backbone does not use: the classifier
# heads (token labeling's ``aux_head`` too) and the final norms before pooling (``norm.*``,
# light models' ``norm_cls.*``; not the per-stage ``norm1..4``). A classifier keeps those it has.
CLASSIFIER_KEYS = re.compile(
    r'^(head|head_cls|aux_head|head_dist|dist_head|norm|norm_cls|pre_logits)\.')
# The class-count-sized layers of a classifier: replaced, not loaded, when a file's class
# count differs and the caller asks for a new head (fine-tuning on other classes).
HEAD_KEYS = re.compile(r'^(head|head_cls|aux_head)\.')
# Keys a backbone may legitimately lack in a classification file: the per-stage output
# norms exist only in dense-prediction models and start from their default init.
OUTPUT_NORM_KEYS = re.compile(r'^norm[1-4]\.')


@dataclass
class LoadReport:
    """What a load did; ``str()`` gives the log line."""
    source: str
    loaded: int = 0
    dropped: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    fresh_output_norms: List[str] = field(default_factory=list)
    inflated: List[str] = field(default_factory=list)
    replaced_head: List[Tuple[str, tuple, tuple]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def __str__(self):
        lines = [f'Loaded {self.loaded} tensors from {self.source}.']
        if self.dropped:
            lines.append(f'Dropped {len(self.dropped)} classifier keys: {_short(self.dropped)}')
        if self.inflated:
            lines.append(f'Inflated {len(self.inflated)} 2D kernels to 3D (average over time): '
                         f'{_short(self.inflated)}')
        if self.replaced_head:
            key, want, got = self.replaced_head[0]
            lines.append(f'New classifier head ({want[0]} classes; the file has {got[0]}), '
                         f'initialised, not loaded: {_short(k for k, _, _ in self.replaced_head)}')
        if self.fresh_output_norms:
            lines.append('Output norms not in the checkpoint (classification file), kept at '
                         f'their initial values: {_short(self.fresh_output_norms)}')
        if self.missing:
            lines.append(f'Missing from the checkpoint: {_short(self.missing)}')
        if self.unexpected:
            lines.append(f'Unexpected in the checkpoint: {_short(self.unexpected)}')
        for key, want, got in self.mismatched:
            lines.append(f'Shape mismatch for {key}: model {want}, checkpoint {got}')
        return '\n'.join(lines)


def _short(keys, limit=12):
    keys = list(keys)
    more = f' ... (+{len(keys) - limit} more)' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


def read_checkpoint(filename: str, map_location='cpu') -> dict:
    """Read a checkpoint (local path, URL or registered scheme) with safe unpickling.

    Corrupt and truncated files raise :class:`CheckpointError` naming the file.
    """
    try:
        ckpt = _load(filename, map_location)
    except FileNotFoundError as exc:
        raise CheckpointError(f'Checkpoint {filename!r} does not exist ({exc}).') from exc
    except CheckpointError as exc:  # a zoo:// download or cache problem (zoo.ZooError)
        raise CheckpointError(f'Checkpoint {filename!r}: {exc}') from exc
    except Exception as exc:  # torch raises many types for a damaged zip/pickle
        raise CheckpointError(
            f'Checkpoint {filename!r} cannot be read: {type(exc).__name__}: {exc}. The file '
            f'is truncated, corrupt, or not a PyTorch checkpoint; download or save it '
            f'again.') from exc
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'Checkpoint {filename!r} holds a {type(ckpt).__name__}, not a '
                              f'dict of tensors.')
    return ckpt


def _load(filename: str, map_location):
    """A local file through :func:`~uniformer_dense.safe_load.safe_torch_load` (the same safe
    load as the model zoo's), anything else (``zoo://``, URLs, a missing file) through
    MMEngine's loader for its scheme."""
    local = os.path.expanduser(str(filename))
    if '://' not in str(filename) and os.path.isfile(local):
        print_log(f'Loads checkpoint by local backend from path: {filename}', logger='current')
        return safe_torch_load(local, map_location)
    return CheckpointLoader.load_checkpoint(filename, map_location=map_location)


def strip_module_prefix(state: dict) -> dict:
    """``state`` without the ``module.`` that (Distributed)DataParallel puts before keys."""
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}


def drop_classifier_keys(state: dict, own: dict) -> Tuple[dict, List[str]]:
    """``state`` without the classification file's keys the model ``own`` lacks
    (:data:`CLASSIFIER_KEYS`), and those keys, sorted."""
    dropped = sorted(k for k in state if CLASSIFIER_KEYS.match(k) and k not in own)
    return {k: v for k, v in state.items() if k not in dropped}, dropped


def extract_state_dict(ckpt: dict, source: str = '<checkpoint>') -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint, wherever its writer put them."""
    # EMA copies last: of a file holding both (DeiT's and timm's training scripts write both),
    # the trained weights are taken, and the log says so
    for key in ('state_dict', 'model', 'model_state', 'module', 'model_ema', 'state_dict_ema'):
        if key in ckpt and isinstance(ckpt[key], dict):
            ema = [k for k in ('model_ema', 'state_dict_ema') if k != key and isinstance(
                ckpt.get(k), dict)]
            if ema:
                print_log(f'{source}: loading {key!r}; the file also holds the EMA weights '
                          f'{ema[0]!r} (not loaded)', logger='current')
            ckpt = ckpt[key]
            break
    state = strip_module_prefix(ckpt)
    non_tensor = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if non_tensor or not state:
        raise CheckpointError(
            f'{source}: no state dict found (expected tensors at the top level or under '
            f"'state_dict'/'model'/'model_ema'; found keys {_short(list(ckpt))}).")
    return state


def select_prefix(state: dict, prefix: Optional[str], source: str) -> dict:
    """Keep the keys under ``prefix`` (e.g. ``'backbone.'`` of a whole detector)."""
    if not prefix:
        return state
    prefix = prefix if prefix.endswith('.') else prefix + '.'
    sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not sub:
        raise CheckpointError(f"{source}: no keys start with prefix {prefix!r}; first keys: "
                              f'{_short(list(state), 5)}.')
    return sub


def _depths_of(keys, prefix: str = '') -> Tuple[int, ...]:
    """Blocks per stage of the backbone whose keys (under ``prefix``) are ``keys``."""
    depths = [0, 0, 0, 0]
    for key in keys:
        m = re.match(re.escape(prefix) + r'blocks([1-4])\.(\d+)\.', key)
        if m:
            stage, idx = int(m.group(1)) - 1, int(m.group(2))
            depths[stage] = max(depths[stage], idx + 1)
    return tuple(depths)


def other_depths(file_keys, model_keys, prefix: str = '') -> Optional[Tuple[tuple, tuple]]:
    """``(file's blocks per stage, model's)`` when a file's backbone (keys under ``prefix``)
    has blocks but not the model's number: the file belongs to another variant; else None."""
    file_depths, model_depths = _depths_of(file_keys, prefix), _depths_of(model_keys, prefix)
    if any(file_depths) and file_depths != model_depths:
        return file_depths, model_depths
    return None


def diff_state_dict(own: dict, state: dict):
    """Compare a checkpoint ``state`` with a model's ``own`` state dict.

    Returns ``(fitting, missing, unexpected, mismatched)``: the tensors that can load, the
    model keys absent from ``state``, the ``state`` keys the model lacks, and
    ``(key, model_shape, checkpoint_shape)`` for keys present in both with other shapes.
    """
    fitting, unexpected, mismatched = {}, [], []
    for key, value in state.items():
        if key not in own:
            unexpected.append(key)
        elif tuple(own[key].shape) != tuple(value.shape):
            mismatched.append((key, tuple(own[key].shape), tuple(value.shape)))
        else:
            fitting[key] = value
    missing = [key for key in own if key not in state]
    return fitting, missing, unexpected, mismatched


def inflate_average_over_time(weight: torch.Tensor, time_size: int) -> torch.Tensor:
    """A 2D kernel ``(O, I, kh, kw)`` as a 3D one ``(O, I, time_size, kh, kw)``: repeated
    along time and divided by ``time_size``, the authors' rule for initialising the video
    UniFormer from ImageNet (a static clip then gives the 2D network's response). MMAction2's
    port instead puts the 2D kernel at the centre time step and zeros elsewhere."""
    return weight.unsqueeze(2).repeat(1, 1, time_size, 1, 1) / time_size


def _inflatable(model_shape: tuple, file_shape: tuple) -> bool:
    """Whether a 2D kernel of ``file_shape`` inflates to a 3D one of ``model_shape``."""
    return (len(model_shape) == 5 and len(file_shape) == 4
            and model_shape[:2] == file_shape[:2] and model_shape[3:] == file_shape[2:])


def load_backbone_checkpoint(model: torch.nn.Module, filename: str, prefix: Optional[str] = None,
                             strict: bool = True, logger: Optional[MMLogger] = None,
                             state: Optional[dict] = None,
                             replace_head: bool = False) -> LoadReport:
    """Load backbone (or classifier) weights into a UniFormer ``model`` and report what
    happened.

    With ``strict`` (default) anything but the classifier keys the model lacks and the output
    norms of a classification file must match, or :class:`CheckpointError` names the file and
    the mismatch; with ``strict=False`` the matching tensors load and the report lists the
    rest. ``replace_head``: a classifier's head of another class count keeps its fresh
    initialisation (fine-tuning on other classes), said in the report. ``state`` skips
    reading ``filename`` (which is then only used in messages).
    """
    if state is None:
        state = extract_state_dict(read_checkpoint(filename), filename)
    if prefix is None and any(k.startswith('backbone.') for k in state):
        prefix = 'backbone.'  # a whole detector / segmentor / pose model
    state = select_prefix(state, prefix, filename)
    report = LoadReport(source=filename)
    own = model.state_dict()
    state, report.dropped = drop_classifier_keys(state, own)

    to_load, missing, report.unexpected, mismatched = diff_state_dict(own, state)
    for key, want, got in mismatched:
        if _inflatable(want, got):
            to_load[key] = inflate_average_over_time(state[key], want[2])
            report.inflated.append(key)
        elif replace_head and HEAD_KEYS.match(key):
            report.replaced_head.append((key, want, got))
        else:
            report.mismatched.append((key, want, got))
    for key in missing:
        (report.fresh_output_norms if OUTPUT_NORM_KEYS.match(key) else report.missing).append(key)
    report.loaded = len(to_load)

    if strict and not report.complete:
        raise CheckpointError(_mismatch_message(model, filename, state, report))
    model.load_state_dict(to_load, strict=False)
    print_log(str(report), logger=logger or 'current')
    return report


def _mismatch_message(model, filename, state, report) -> str:
    variant = getattr(model, 'variant', type(model).__name__)
    hints = []
    depths = other_depths(state, model.state_dict())
    if depths:
        hints.append(f'the file has {depths[0]} blocks per stage, model {variant!r} has '
                     f'{depths[1]}: it belongs to another variant')
    if any('gamma_' in k for k in report.unexpected):
        hints.append('the file uses layer scale (gamma_1/gamma_2): build variant '
                     "'uniformer_b_ls' or 'uniformer_l' (or give layer_scale=1e-6; the file "
                     'overwrites the value)')
    if any('gamma_' in k for k in report.missing):
        hints.append('the model uses layer scale but the file does not: set layer_scale=None')
    if 'cls_token' in report.unexpected:
        light = {448: 'xxs', 512: 'xs'}.get(state['cls_upsample.weight'].shape[0]
                                             if 'cls_upsample.weight' in state else 0)
        hints.append("it is a light model's file (class token, token pruning): build "
                     + (f"'uniformer_{light}' (classifier 'uniformer_{light}_in1k')" if light
                        else "'uniformer_xxs' or 'uniformer_xs'"))
    if 'cls_token' in report.missing:
        hints.append('the model is a light one (class token) but the file is not')
    heads = [(k, want, got) for k, want, got in report.mismatched if HEAD_KEYS.match(k)]
    if heads:
        key, want, got = heads[0]
        hints.append(f'{key} has {got[0]} classes in the file and {want[0]} in the model: give '
                     f'num_classes={got[0]}, or ask for a new head (replace_head=True, in a '
                     f"config init_cfg=dict(type='Pretrained', checkpoint=..., "
                     f'replace_head=True))')
    video_model = getattr(model, 'spatial_ndim', 2) == 3
    if video_model and any(OUTPUT_NORM_KEYS.match(k) for k in report.unexpected):
        hints.append('it is an image-network dense-prediction checkpoint (per-stage norms '
                     'norm1..norm4): the video UniFormer starts from an ImageNet classification '
                     'file (inflated on load, e.g. zoo://uniformer_small_in1k) or a video '
                     'checkpoint')
    if not video_model and any(len(got) == 5 for _, _, got in report.mismatched):
        hints.append('it holds 3D (video) kernels: build the video backbone '
                     "(type='UniFormerVideo', variant='uniformer_video_s' ...)")
    if not report.loaded:
        hints.append('no key matched: is this a checkpoint of another model or task? A whole '
                     "detector/segmentor needs prefix='backbone.'")
    hint = ('; '.join(hints) + '. ') if hints else ''
    return (f'Checkpoint {filename!r} does not fit UniFormer variant {variant!r}: {hint}'
            f'Pass strict=False to load the matching part anyway.\n{report}')


# Key prefixes that tell the task of a whole-model checkpoint.
TASK_KEY_PREFIXES = {'detection': ('rpn_head.', 'roi_head.', 'bbox_head.'),
                     'segmentation': ('decode_head.', 'auxiliary_head.'),
                     'pose': ('head.',)}


def _task_of_keys(keys) -> Optional[str]:
    for task, prefixes in TASK_KEY_PREFIXES.items():
        if any(k.startswith(prefixes) for k in keys):
            return task
    return None


def is_authors_video_state(state: dict) -> bool:
    """Whether ``state`` is the authors' video release (SlowFast format, also on Hugging
    Face): the backbone's keys at the top level (3D stem kernel) and the classifier ``head.*``
    with its rows in the authors' class order."""
    stem = state.get('patch_embed1.proj.weight')
    return stem is not None and stem.dim() == 5 and 'head.weight' in state


def authors_video_message(filename: str, config: Optional[str] = None) -> str:
    """What to do with the authors' video file where a recogniser checkpoint is expected."""
    local = '://' not in filename
    out = os.path.splitext(filename if local else os.path.basename(filename))[0] + '_mmaction2.pth'
    command = convert_command(filename, out, 'AUTHORS_CLASSES', 'CONFIG_CLASSES',
                              config or 'CONFIG')
    return (
        f"Checkpoint {filename!r} is the authors' video release (SlowFast format: backbone "
        f"keys at the top level, classifier head.* with its rows in the authors' class order). "
        f"It does not load as it is: the classifier must be re-indexed by class name to the "
        f"config's class order, which takes both class lists. Convert it once:\n"
        f"  {command}\n"
        f"then pass {out} instead. For Kinetics-400, AUTHORS_CLASSES is the authors' "
        f"'name<TAB>index' list ({AUTHORS_K400_CLASSES} of their release) and "
        f"CONFIG_CLASSES MMAction2's label_map_k400.txt (one name per line).")


def check_model_checkpoint(model: torch.nn.Module, filename: str, allow_partial: bool = False,
                           logger: Optional[MMLogger] = None,
                           config: Optional[str] = None) -> LoadReport:
    """Check that a whole-model checkpoint fits ``model`` exactly, before MMEngine loads it.

    MMEngine's ``load_from`` loads non-strictly and only warns, so a checkpoint of another
    task or variant would be evaluated (or fine-tuned) half-random. Here a mismatch is a
    :class:`CheckpointError` naming the file, what it is, and the keys that differ; with
    ``allow_partial`` the report of what will be skipped is logged instead. ``config`` (the
    model's config file) only completes the command line of the messages.
    """
    ckpt = read_checkpoint(filename)
    state = extract_state_dict(ckpt, filename)
    own = model.state_dict()
    fitting, missing, unexpected, mismatched = diff_state_dict(own, state)
    report = LoadReport(source=filename, loaded=len(fitting), missing=missing,
                        unexpected=unexpected, mismatched=mismatched)
    if report.complete:
        return report
    if not fitting and is_authors_video_state(state):  # even a partial load would load nothing
        raise CheckpointError(authors_video_message(filename, config))
    if (not fitting and 'head.weight' in state and 'backbone.head.weight' in own
            and all(f'backbone.{k}' in own for k in state)):
        raise CheckpointError(
            f"Checkpoint {filename!r} is an ImageNet classifier as the authors release it "
            f"(bare keys; this config's classifier has them under backbone.): load it as "
            f"zoo://NAME (converted when loaded), or convert it once: python "
            f"tools/convert_checkpoint.py {filename} OUT.pth --source imagenet")
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    why = meta.get('classifier_not_converted')  # a zoo:// authors' video file (zoo/load.py)
    if why and missing and all(k.startswith('cls_head.') for k in missing):
        if not allow_partial:
            raise CheckpointError(f'Checkpoint {filename!r} has no usable classifier: {why}')
        print_log(f'Partial load requested; the classifier stays at its initial value: {why}',
                  logger=logger or 'current', level=logging.WARNING)
        return report
    if allow_partial:
        print_log(f'Partial load requested; what does not fit stays at its initial value.\n'
                  f'{report}', logger=logger or 'current', level=logging.WARNING)
        return report
    hints = []
    file_task, model_task = _task_of_keys(state), _task_of_keys(own)
    if file_task != model_task:
        hints.append(f'it holds a {file_task or "backbone-only / unknown"} model and the config '
                     f'builds a {model_task or "different"} model')
    depths = other_depths(state, own, prefix='backbone.')
    if depths:
        hints.append(f'its backbone has {depths[0]} blocks per stage, the config\'s '
                     f'{depths[1]}: another UniFormer variant')
    if mismatched and not hints:
        hints.append('same layers with other shapes (another number of classes?)')
    raise CheckpointError(
        f'Checkpoint {filename!r} does not fit the model of this config: '
        f'{"; ".join(hints)}. Use the checkpoint trained with this config, or pass '
        f'--partial-load to load only what fits.\n{report}')
