"""CPU fast paths of the UniFormer blocks, and the gates that say when each may be taken.

The architecture (:mod:`uniformer_dense.models.uniformer`) is written once for images and
videos, training and inference, eager runs and recorded graphs. On the CPU, where this
project trains and tests, a fresh activation-sized buffer often costs more than the op that
fills it, and a few oneDNN kernels are far slower than their neighbours; the functions here
win that time back without changing a number the blocks compute:

- in-place arithmetic at inference (:func:`residual`, :func:`gelu`, :func:`fresh_sum`),
- the stage-1/2 MLP over bands of the map at CPU inference (:func:`uses_banded_mlp`,
  :func:`add_mlp_in_bands`), in the video network as linear layers
  (:func:`uses_linear_pointwise_3d`),
- channels-last views instead of transposes in stages 3-4 (:func:`channels_first`,
  :func:`channels_last`),
- window attention that projects only the real tokens of a heavily padded map
  (:func:`projects_real_tokens_only`),
- in CPU training, the depthwise convolutions' slow oneDNN gradients computed another way
  (:func:`depthwise_conv`): the 5x5 one's weight gradient from four 3x3 ones; the video
  network's 3D ones' input gradient as a convolution with the flipped kernel and their weight
  gradient from 2D ones over the frames.

Each takes its fast form only where it is exact and safe, and steps aside while a graph is
recorded for export (:func:`recording_graph`): tracing, ONNX and ``torch.export``. The
measurements behind them are in ``benchmarks/RESULTS.md`` and in each docstring; the tests
that pin every one to the plain path are ``tests/test_fast_paths.py``.
"""
from __future__ import annotations

from typing import Callable, List

import torch
import torch.nn as nn
import torch.nn.functional as F

# Largest hidden activation a stage-1/2 MLP computes at once at inference (add_mlp_in_bands).
MLP_BAND_BYTES = 16 << 20
# Window attention projects only the real tokens when at least this share of the padded map
# is padding (projects_real_tokens_only); below it, padding the normalised map and projecting
# every token is faster (fewer activation-sized copies; measured on CPU: 16x12 stage-3 maps
# padded to 28x14 gain ~25%, 50x76 padded to 56x84 lose ~10%).
PAD_QKV_SHARE = 0.3


# ---------------------------------------------------------------------------- gates
def recording_graph() -> bool:
    """Whether this forward is being recorded as a graph (``torch.jit.trace``, either ONNX
    exporter, ``torch.export``) rather than run.

    The inference fast paths step aside then: a trace does not see through in-place
    writes into views (the TorchScript ONNX exporter silently dropped the banded MLP's
    ``band.add_``, so exported models lost every stage-1/2 MLP), and an exported graph is
    planned by its runtime anyway. ``torch.compile`` (not exporting) keeps them: it
    functionalises mutations correctly."""
    return (torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
            or torch.compiler.is_exporting())


def in_place_inference() -> bool:
    """Whether blocks may overwrite their own activations: autograd off, not recording."""
    return not torch.is_grad_enabled() and not recording_graph()


def keeps_dtype(x: torch.Tensor, y: torch.Tensor) -> bool:
    """Whether ``x + y`` has ``x``'s dtype, so it may be computed in place into ``x``
    (under autocast a bf16 branch added into an fp32 trunk must keep the trunk fp32)."""
    return x.dtype == torch.promote_types(x.dtype, y.dtype)


# ---------------------------------------------------------------------------- in place
def gelu(x: torch.Tensor) -> torch.Tensor:
    """Exact GELU; in place at inference (a fresh activation-sized buffer costs more than
    the GELU itself on CPU)."""
    return torch.ops.aten.gelu_(x) if in_place_inference() else F.gelu(x)


def residual(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x + y`` for a block-owned trunk ``x``: accumulated in place when autograd is off
    (with autograd on, ``x`` is saved by the norm that read it)."""
    return x.add_(y) if in_place_inference() and keeps_dtype(x, y) else x + y


def fresh_sum(fresh: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``fresh + x`` written into ``fresh``, a new tensor no autograd node saved (a
    convolution's output), unless that would lower the result's dtype or a graph is being
    recorded (see :func:`recording_graph`)."""
    return fresh.add_(x) if keeps_dtype(fresh, x) and not recording_graph() else fresh + x


# ---------------------------------------------------------------------------- layout
def channels_first(x: torch.Tensor) -> torch.Tensor:
    """``(B, *spatial, C)`` viewed as ``(B, C, *spatial)`` (no copy).

    Stages 3-4 keep their trunk channels-last, so attention and MLP need no transposes, and
    the depthwise position convolution reads this view as a ``channels_last`` tensor without
    copying. A permute with non-negative axes rather than ``movedim(-1, 1)``: the TorchScript
    ONNX exporter writes ``movedim``'s negative axis into the Transpose ``perm`` unresolved, a
    graph onnxruntime refuses."""
    return _not_a_view_when_compiling(x.permute(0, x.dim() - 1, *range(1, x.dim() - 1)))


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """``(B, C, *spatial)`` viewed as ``(B, *spatial, C)`` (no copy; see channels_first)."""
    return _not_a_view_when_compiling(x.permute(0, *range(2, x.dim()), 1))


def _not_a_view_when_compiling(view: torch.Tensor) -> torch.Tensor:
    """Under torch.compile with autograd on, a contiguous copy instead of the permuted view.

    A compiled training step saves such views for the backward pass; once sizes are dynamic
    (the second input size) Inductor sorts their strides symbolically, e.g. ``64*(W//4)``
    against ``64``, cannot decide the order and stops (``TypeError: cannot determine truth
    value of Relational``, torch 2.13). A copy is not a view (a copy with the view's own
    strides is dropped as a no-op, so it must be a contiguous one); Inductor fuses it into
    the op that produces it. Without autograd nothing is saved for backward, so compiled
    inference, like eager, keeps the view."""
    if torch.is_grad_enabled() and torch.compiler.is_compiling():
        return view.contiguous()
    return view


def avg_pool_2x2(x: torch.Tensor) -> torch.Tensor:
    """``F.avg_pool2d(x, 2)`` of a ``(B, C, H, W)`` map (odd rows and columns dropped).

    The light models halve their token-importance score this way, pooling a ``(B, N)``
    score viewed as ``(B, 1, H, W)``. ``avg_pool2d``'s backward reads its input, so a
    compiled training step saves that view, and at the second input size Inductor cannot
    order its symbolic strides (``W < 1`` for ``W`` the stage-3 width, torch 2.13; see
    :func:`_not_a_view_when_compiling`). The view is already contiguous, so a copy of it is
    dropped as a no-op; under torch.compile with autograd the same averages are instead the
    sum of four strided slices (in ``avg_pool2d``'s order, so the same numbers) over 4, whose
    backward saves nothing. Eager runs and compiled inference keep ``avg_pool2d``."""
    if torch.is_grad_enabled() and torch.compiler.is_compiling():
        H, W = x.shape[-2:]
        x = x[..., :H // 2 * 2, :W // 2 * 2]
        return (x[..., 0::2, 0::2] + x[..., 0::2, 1::2] + x[..., 1::2, 0::2]
                + x[..., 1::2, 1::2]) / 4
    return F.avg_pool2d(x, 2)


# ---------------------------------------------------------------------------- banded MLP
def uses_banded_mlp(x: torch.Tensor, norm: nn.Module) -> bool:
    """Whether a local block's ``x + mlp(norm(x))`` may run band by band (CPU inference).

    BatchNorm with running statistics and the MLP are position-wise, so at inference they can
    run over parts of the map and accumulate in place: the 4x wide hidden map then never
    exists whole (stage 1 at 800x1216 on CPU: 26 instead of 43 ms per MLP). Not in training
    (``norm`` in training mode uses the whole batch's statistics; autograd needs the whole
    hidden map), not while recording, and not on a GPU, where a fresh buffer is cheap and
    every band would be five more kernel launches (batch-1 inference there is bound by
    launches)."""
    return in_place_inference() and not norm.training and x.device.type == 'cpu'


def uses_linear_pointwise_3d(x: torch.Tensor) -> bool:
    """Whether the video network's stage-1/2 MLP (1x1x1 convolutions) runs as two linear
    layers on the channels-last trunk: at CPU inference. There the MLP runs over bands of
    frames (:func:`mlp_bands`), and for such a band PyTorch does not take oneDNN's conv3d
    but its slow fallback plus a layout copy (stage 1 of video S at 16x224x224: 6.4 ms per
    band against 3.2 ms as a linear layer; the whole forward 533 against 579 ms). In
    training the whole-map oneDNN convolution and its backward are faster (a training step
    of 2131 ms with them, 2245 ms as linear layers), so they stay; on GPUs and in recorded
    graphs too."""
    return in_place_inference() and x.device.type == 'cpu'


def mlp_bands(x: torch.Tensor, hidden: int) -> List[torch.Tensor]:
    """Views of ``x`` (``(B, C, *spatial)``, channels-last in memory) whose MLP hidden maps
    (``hidden`` channels) stay within ``MLP_BAND_BYTES``: runs of whole samples, or runs of
    first-axis slices (rows of an image, frames of a clip) of one sample; each is dense.

    A band must be dense in the channels-last trunk: whole images (clips) of the batch, or
    rows (frames) of one image when one alone is too large. Rows across the batch would be
    strided, and the convolutions copy such input (3x slower at 16 x 256x192)."""
    sample_bytes = x[0, 0].numel() * hidden * x.element_size()
    if sample_bytes <= MLP_BAND_BYTES:
        step = MLP_BAND_BYTES // sample_bytes
        return [x[i:i + step] for i in range(0, x.shape[0], step)]
    rows = max(1, MLP_BAND_BYTES // (x[0, 0, 0].numel() * hidden * x.element_size()))
    return [x[i:i + 1, :, top:top + rows]
            for i in range(x.shape[0]) for top in range(0, x.shape[2], rows)]


def add_mlp_in_bands(x: torch.Tensor, branch: Callable[[torch.Tensor], torch.Tensor],
                     hidden: int) -> torch.Tensor:
    """``x + branch(x)`` computed band by band (:func:`mlp_bands`) and added into ``x`` in
    place, for a position-wise ``branch`` with a ``hidden``-channel widest map; take it only
    where :func:`uses_banded_mlp` says so."""
    for band in mlp_bands(x, hidden):
        band.add_(branch(band))
    return x


# ---------------------------------------------------------------------------- windows
def projects_real_tokens_only(H: int, W: int, Hp: int, Wp: int) -> bool:
    """Whether window attention over an ``H x W`` map padded to ``Hp x Wp`` projects only the
    real tokens and pads the projections with the bias (the numbers of projecting the padded
    map) instead of projecting the padded map: when at least ``PAD_QKV_SHARE`` of it is
    padding. Recorded graphs always take that path: a branch on the padding would be frozen
    into the graph at the export size."""
    return recording_graph() or PAD_QKV_SHARE * Hp * Wp <= Hp * Wp - H * W


# ---------------------------------------------------------------------------- depthwise 5x5
def _depthwise_backward(grad: torch.Tensor, x: torch.Tensor, weight: torch.Tensor,
                        padding: int, output_mask):
    """``aten.convolution_backward`` of a stride-1 depthwise 2D convolution."""
    return torch.ops.aten.convolution_backward(
        grad, x, weight, None, [1, 1], [padding, padding], [1, 1], False, [0, 0], x.shape[1],
        output_mask)


def depthwise_5x5_weight_grad(grad: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Weight gradient of a depthwise 5x5 convolution (stride 1, padding 2) as four 3x3 ones.

    On the CPU oneDNN computes the 5x5 depthwise weight gradient an order of magnitude slower
    than the 3x3 one (channels-last, torch 2.13: 42 ms against 1.5 ms for 64 channels at
    200x304). The 5x5 kernel's offsets are covered by four 3x3 blocks, each the 3x3 weight
    gradient of the input padded by 2 and shifted by 0 or 2 rows and columns: 11 ms there.
    The overlapping middle row and column are taken from the first block."""
    H, W = grad.shape[-2:]
    padded = F.pad(x, (2, 2, 2, 2))
    weight3 = x.new_empty(x.shape[1], 1, 3, 3)  # only its shape is read
    blocks = [[_depthwise_backward(grad, padded[:, :, top:top + H + 2, left:left + W + 2],
                                   weight3, 0, [False, True, False])[1]
               for left in (0, 2)] for top in (0, 2)]
    rows = [torch.cat([row[0], row[1][..., 1:]], -1) for row in blocks]  # (C, 1, 3, 5) each
    return torch.cat([rows[0], rows[1][:, :, 1:]], -2)


class _Depthwise5x5(torch.autograd.Function):
    """``F.conv2d(x, weight, bias, padding=2, groups=C)`` whose backward computes the weight
    gradient with :func:`depthwise_5x5_weight_grad` (the input gradient as usual)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return F.conv2d(x, weight, bias, padding=2, groups=x.shape[1])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = _depthwise_backward(grad, x, weight, 2, [True, False, False])[0]
        if ctx.needs_input_grad[1]:
            grad_w = depthwise_5x5_weight_grad(grad, x)
        if ctx.needs_input_grad[2]:  # False without a bias
            grad_b = grad.sum((0, 2, 3))
        return grad_x, grad_w, grad_b


def depthwise_3d_weight_grad(grad: torch.Tensor, x: torch.Tensor, k: int) -> torch.Tensor:
    """Weight gradient of a depthwise k x k x k convolution (stride 1, padding k // 2) as k 2D
    ones, one per temporal offset, over the frames as a batch: oneDNN's 3D depthwise weight
    gradient is several times slower than its 2D one (channels-last, torch 2.13, 3x3x3 over
    64 channels at 8x56x56: 11 ms against 1.6 ms; the 5x5x5 ones go through
    :func:`depthwise_5x5_weight_grad`)."""
    b, c, t, h, w = x.shape
    p = k // 2
    padded = F.pad(x, (0, 0, 0, 0, p, p))
    frames = grad.transpose(1, 2).reshape(b * t, c, h, w)
    weight2d = x.new_empty(c, 1, k, k)  # only its shape is read
    taps = []
    for a in range(k):
        shifted = padded[:, :, a:a + t].transpose(1, 2).reshape(b * t, c, h, w)
        taps.append(depthwise_5x5_weight_grad(frames, shifted) if k == 5 else
                    _depthwise_backward(frames, shifted, weight2d, p, [False, True, False])[1])
    return torch.stack(taps, 2)


class _Depthwise3d(torch.autograd.Function):
    """``F.conv3d(x, weight, bias, padding=k // 2, groups=C)`` whose backward computes the
    input gradient as the forward convolution of the gradient with the flipped kernel (oneDNN's
    3D depthwise input gradient: 27 ms against 2.2 ms for 5x5x5 over 64 channels at 8x56x56)
    and the weight gradient with :func:`depthwise_3d_weight_grad`."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return F.conv3d(x, weight, bias, padding=weight.shape[-1] // 2, groups=x.shape[1])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        k = weight.shape[-1]
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = F.conv3d(grad, weight.flip(2, 3, 4), padding=k // 2, groups=x.shape[1])
        if ctx.needs_input_grad[1]:
            grad_w = depthwise_3d_weight_grad(grad, x, k)
        if ctx.needs_input_grad[2]:
            grad_b = grad.sum((0, 2, 3, 4))
        return grad_x, grad_w, grad_b


def _is_same_depthwise(conv: nn.Module, x: torch.Tensor) -> bool:
    """``conv`` is a depthwise convolution of ``x``'s channels with an odd cubic kernel,
    stride 1 and 'same' padding, the blocks' positional and local-attention convolutions."""
    k = conv.kernel_size[0]
    n = len(conv.kernel_size)
    return (conv.groups == conv.in_channels == conv.out_channels == x.shape[1] and k % 2 == 1
            and conv.kernel_size == (k,) * n and conv.stride == (1,) * n
            and conv.padding == (k // 2,) * n and conv.dilation == (1,) * n
            and conv.padding_mode == 'zeros')


def depthwise_conv(conv: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``conv(x)`` for the blocks' depthwise convolutions. A CPU training step in fp32 takes
    faster gradients where oneDNN's are slow: the 2D 5x5 one's weight gradient from four 3x3
    ones (:class:`_Depthwise5x5`: S-h14 training step 1.05x faster at 1x800x1216, 1.09x at
    16x256x192), the video network's 3D ones through :class:`_Depthwise3d`. Elsewhere (GPU,
    autocast, inference, recorded or compiled graphs, 2D 3x3) the convolution is left as it
    is."""
    if (torch.is_grad_enabled() and x.device.type == 'cpu' and x.dtype == torch.float32
            and conv.weight.requires_grad and not torch.is_autocast_enabled('cpu')
            and not recording_graph() and not torch.compiler.is_compiling()
            and _is_same_depthwise(conv, x)):
        if x.dim() == 5:
            return _Depthwise3d.apply(x, conv.weight, conv.bias)
        if conv.kernel_size == (5, 5):
            return _Depthwise5x5.apply(x, conv.weight, conv.bias)
    return conv(x)
