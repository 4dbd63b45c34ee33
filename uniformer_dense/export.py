"""ONNX export of UniFormer backbones and of the tensor part of whole models, checked with
onnxruntime against PyTorch.

``tools/export_onnx.py`` is a thin command line over :func:`export_config`. What a model
exports to (the graph's input is the *normalised* image batch; the data preprocessor's
mean/std, resizing and the toolbox's post-processing stay outside the graph, as in MMDeploy):

- ``backbone``: the backbone's stage maps (any config, and the only choice for video
  recognisers: ``(1, 3, T, H, W)`` clips);
- segmentation: ``model(x, mode='tensor')``, the decode head's logits at 1/4 resolution;
- pose: ``model(x, mode='tensor')``, the heatmaps;
- detection: backbone + neck (``extract_feat``), the FPN maps. RPN proposals, RoI heads and
  NMS are not exported: MMDeploy does not install with this stack (mmcv 2.1 / torch 2.13).

Both torch exporters work: ``dynamo=False`` (TorchScript tracing, what MMDeploy and most
tutorials use) and ``dynamo=True`` (``torch.export``). While either records the graph, the
backbone's in-place inference fast paths step aside (see
:func:`uniformer_dense.models.fast_paths.recording_graph` for why).
"""
from __future__ import annotations

import io
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from torch.export import Dim

from .analysis import build_model, default_shape, video_test_views
from .checkpoint import check_model_checkpoint, extract_state_dict, read_checkpoint
from .harness import load_config, task_of

#: Largest accepted ``max|onnxruntime - torch| / max|torch|`` per output.
DEFAULT_RTOL = 1e-4
#: What :func:`tensor_model` can export per task (``backbone`` is always possible).
WHOLE_MODEL = {'seg': 'decode head logits', 'pose': 'heatmaps', 'det': 'backbone + neck'}


class ExportError(RuntimeError):
    """An export that would not reproduce PyTorch's numbers, refused with the reason."""


class TensorForward(nn.Module):
    """The tensor part of a toolbox model as a plain ``forward(x)`` for the exporters."""

    def __init__(self, model: nn.Module, task: str, part: str = 'model'):
        super().__init__()
        if part not in ('model', 'backbone'):
            raise ValueError(f"part={part!r}: use 'model' or 'backbone'.")
        if part == 'model' and task not in WHOLE_MODEL:
            raise ExportError(f'A whole {task} model cannot be exported as one graph (its '
                              f'sampling and heads run per clip in Python); export the '
                              f'backbone (--backbone-only).')
        self.model, self.task, self.part = model, task, part

    def forward(self, x):
        if self.part == 'backbone':
            return self.model.backbone(x)
        if self.task == 'det':
            return self.model.extract_feat(x)
        return self.model(x, None, mode='tensor')


def _flat_outputs(out) -> List[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for item in out for t in _flat_outputs(item)]


def _spatial_axes(example: torch.Tensor) -> Tuple[int, int]:
    return example.dim() - 2, example.dim() - 1


def export(model: nn.Module, example: torch.Tensor, path: Optional[str] = None, *,
           dynamo: bool = False, dynamic: bool = False, opset: Optional[int] = None,
           grad: bool = False) -> bytes:
    """Export ``model`` (in eval mode) on ``example``; return the ONNX bytes (also written to
    ``path`` if given).

    ``dynamic`` makes height and width (the last two input axes) symbolic. ``grad`` records
    with autograd on; the result is the same graph either way (the default, off, is what
    users write: export inside ``torch.no_grad()``).
    """
    model.eval()
    n_out = len(_flat_outputs(_run_torch(model, example)))
    names = dict(input_names=['input'], output_names=[f'output{i}' for i in range(n_out)])
    h_axis, w_axis = _spatial_axes(example)
    kwargs: Dict = {}
    if dynamic and dynamo:
        kwargs['dynamic_shapes'] = ({h_axis: Dim.DYNAMIC, w_axis: Dim.DYNAMIC},)
    elif dynamic:
        kwargs['dynamic_axes'] = {'input': {h_axis: 'height', w_axis: 'width'}}
    if opset is not None:
        kwargs['opset_version'] = opset
    buffer = io.BytesIO()
    with torch.set_grad_enabled(grad):
        torch.onnx.export(model, (example,), buffer, dynamo=dynamo, **names, **kwargs)
    data = buffer.getvalue()
    if dynamic:
        _check_dynamic(data, (h_axis, w_axis), example)
    if path:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
    return data


def _check_dynamic(data: bytes, axes: Sequence[int], example: torch.Tensor):
    """A dynamic export the exporter quietly specialised to the example's size is refused.

    (``torch.export`` specialises an axis when the example makes a size 0 or 1 somewhere,
    e.g. a single attention window per axis in stage 3.)"""
    import onnx  # optional: needed only to check a dynamic export
    dims = onnx.load_from_string(data).graph.input[0].type.tensor_type.shape.dim
    fixed = [a for a in axes if not dims[a].dim_param]
    if fixed:
        raise ExportError(
            f'The exporter fixed input axes {fixed} to the example size '
            f'{tuple(example.shape)} instead of keeping them dynamic. Export at a larger size '
            f'(--shape), e.g. one where stage 3 (stride 16) has at least two attention '
            f'windows per axis.')


def _run_torch(model: nn.Module, x: torch.Tensor):
    with torch.no_grad():
        return model(x)


def session(data: Union[bytes, str], threads: Optional[int] = None):
    import onnxruntime as ort  # optional: needed only to run an export
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(data, options, providers=['CPUExecutionProvider'])


def compare(model: nn.Module, sess, x: torch.Tensor) -> List[float]:
    """``max|onnxruntime - torch| / max|torch|`` of every output on input ``x``."""
    ref = [t.float().numpy() for t in _flat_outputs(_run_torch(model, x))]
    got = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})
    if len(got) != len(ref):
        raise ExportError(f'onnxruntime returned {len(got)} outputs, PyTorch {len(ref)}.')
    errors = []
    for r, g in zip(ref, got):
        if r.shape != g.shape:
            raise ExportError(f'Output shape {g.shape} from onnxruntime, {r.shape} from '
                              f'PyTorch, on input {tuple(x.shape)}.')
        errors.append(float(np.abs(r - g).max() / max(np.abs(r).max(), 1e-12)))
    return errors


def other_size(shape: Sequence[int]) -> Tuple[int, ...]:
    """A second input size for checking a dynamic graph: odd, no multiple of the windows."""
    *lead, h, w = shape
    return (*lead, h - 2 * (h // 8) + 5, w + w // 4 + 3)


def tensor_model(cfg, checkpoint: Optional[str], backbone_only: bool = False):
    """Build the config's model (as ``tools/test.py`` would), load ``checkpoint`` (a whole
    model trained with this config; None/'none' keeps the initial weights) and wrap its
    tensor part. Returns ``(module, task)``."""
    task = task_of(cfg)
    model = build_model(cfg, with_weights=False, init=False)
    if checkpoint and checkpoint.lower() != 'none':
        check_model_checkpoint(model, checkpoint, config=cfg.filename)
        model.load_state_dict(extract_state_dict(read_checkpoint(checkpoint), checkpoint))
    part = 'backbone' if backbone_only or task not in WHOLE_MODEL else 'model'
    return TensorForward(model, task, part).eval(), task


def example_input(cfg, task: str, shape: Optional[Sequence[int]] = None) -> torch.Tensor:
    """A random normalised input at ``shape`` (H, W), default the config's test size."""
    h, w = shape or _config_size(cfg, task) or default_shape(cfg)
    if task == 'action':
        return torch.randn(1, 3, video_test_views(cfg)['clip_len'], h, w)
    return torch.randn(1, 3, h, w)


def _config_size(cfg, task: str) -> Optional[Tuple[int, int]]:
    if task == 'seg':
        size = cfg.get('crop_size') or cfg.model.get('data_preprocessor', {}).get('size')
        return tuple(size) if size else None
    return None


def export_config(config: str, checkpoint: Optional[str], out: str, *,
                  shape: Optional[Sequence[int]] = None, dynamic: bool = False,
                  backbone_only: bool = False, dynamo: bool = False,
                  rtol: float = DEFAULT_RTOL, opset: Optional[int] = None) -> Dict:
    """Export, then run onnxruntime next to PyTorch at the export size (and, if ``dynamic``,
    at :func:`other_size`). Returns a report; raises :class:`ExportError` above ``rtol``."""
    cfg = load_config(config)
    torch.manual_seed(0)
    module, task = tensor_model(cfg, checkpoint, backbone_only)
    if dynamic and module.part != 'backbone':
        # Measured: the TorchScript trace of the toolbox heads freezes their resize sizes
        # (wrong numbers at a second size), and torch.export did not finish in 10 minutes.
        raise ExportError('--dynamic is supported for the backbone (--backbone-only): the '
                          'toolbox heads resize to sizes a trace freezes. Export the whole '
                          'model once per input size instead.')
    x = example_input(cfg, task, shape)
    start = time.perf_counter()
    data = export(module, x, out, dynamo=dynamo, dynamic=dynamic, opset=opset)
    part = 'backbone+neck' if task == 'det' and module.part == 'model' else module.part
    report = dict(config=config, task=task, part=part,
                  exporter='dynamo' if dynamo else 'torchscript', dynamic=dynamic, out=out,
                  export_s=round(time.perf_counter() - start, 1), checks=[])
    sess = session(data)
    sizes = [tuple(x.shape)] + ([other_size(x.shape)] if dynamic else [])
    for size in sizes:
        errors = compare(module, sess, x if size == tuple(x.shape) else torch.randn(size))
        report['checks'].append(dict(input=list(size), max_rel_diff=max(errors)))
    worst = max(c['max_rel_diff'] for c in report['checks'])
    report['ok'] = worst <= rtol
    if not report['ok']:
        raise ExportError(f'onnxruntime differs from PyTorch by {worst:.3g} (relative to the '
                          f'largest output value; tolerance {rtol:g}): {report["checks"]}')
    return report
