"""The CPU fast paths of uniformer_dense/models/fast_paths.py: each computes the plain path's
numbers, and each gate takes it only where it may (inference, CPU, fp32 training, not while
a graph is recorded)."""
import io

import pytest
import torch

from reference import require_module
from uniformer_dense.models import create_backbone, fast_paths


# ---------------------------------------------------------------------------- gates
def test_fast_paths_stay_on_in_eager_inference_and_off_while_recording():
    require_module('onnx')
    x = torch.ones(2)
    with torch.no_grad():
        assert fast_paths.residual(x, torch.ones(2)) is x  # in place
        assert not fast_paths.recording_graph()
    assert fast_paths.residual(x, torch.ones(2)) is not x  # autograd on: out of place

    seen = []

    class Probe(torch.nn.Module):
        def forward(self, t):
            seen.append(fast_paths.in_place_inference())
            return t + 1

    with torch.no_grad():
        torch.onnx.export(Probe(), (torch.ones(2),), io.BytesIO(), dynamo=False)
    assert seen and not any(seen)


# ---------------------------------------------------------------------------- in place
@pytest.mark.parametrize('grad', [True, False])
def test_residual_stream_stays_fp32_under_autocast(grad):
    """bf16 branches (convolutions, linears) are added into an fp32 trunk, in place or not."""
    torch.manual_seed(0)
    model = create_backbone('uniformer_s_h14', window_size=7).eval()
    local, attention = model.blocks1[0], model.blocks3[0]
    with torch.set_grad_enabled(grad), torch.autocast('cpu', dtype=torch.bfloat16):
        assert local(torch.randn(1, 64, 16, 16)).dtype == torch.float32
        assert attention(torch.randn(1, 9, 14, 320)).dtype == torch.float32


# ---------------------------------------------------------------------------- banded MLP
@pytest.mark.parametrize('name,band_bytes', [
    ('uniformer_s_h14', 64 << 10),  # rows of one image per band
    ('uniformer_s_h14', 3 << 20),   # stage 1: one image per band, stage 2: two, then one
    ('uniformer_xxs', 64 << 10)])
def test_inference_fast_path_equals_autograd_path(name, band_bytes, monkeypatch):
    """Without autograd the blocks accumulate in place and run stage-1/2 MLPs in bands: the
    outputs must equal the out-of-place path's, and the caller's input stays untouched."""
    torch.manual_seed(0)
    model = create_backbone(name, window_size=7 if 'h14' in name else None).eval()
    model.init_weights()
    x = torch.randn(3, 3, 150, 230)
    kept = x.clone()
    ref = model(x)  # autograd on: the out-of-place path
    monkeypatch.setattr(fast_paths, 'MLP_BAND_BYTES', band_bytes)
    with torch.no_grad():
        fast = model(x)
    assert torch.equal(x, kept)
    for a, b in zip(ref, fast):
        torch.testing.assert_close(b, a.detach(), rtol=1e-5, atol=1e-5)


def test_video_inference_fast_path_equals_autograd_path(monkeypatch):
    torch.manual_seed(0)
    model = create_backbone('uniformer_video_s').eval()
    model.init_weights()
    x = torch.randn(1, 3, 8, 64, 80)
    kept = x.clone()
    ref = model(x)
    monkeypatch.setattr(fast_paths, 'MLP_BAND_BYTES', 64 << 10)  # one frame per band
    with torch.no_grad():
        fast = model(x)
    assert torch.equal(x, kept)
    torch.testing.assert_close(fast, ref.detach(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('shape,hidden,band_bytes', [
    ((5, 8, 6, 7), 32, 2 * 6 * 7 * 32 * 4),   # two whole samples per band (the last alone)
    ((2, 8, 6, 7), 32, 2 * 7 * 32 * 4),       # two rows of one sample per band
    ((1, 8, 4, 6, 5), 16, 1)])                # a clip: one frame per band, even over budget
def test_mlp_bands_cover_the_map_in_dense_views(shape, hidden, band_bytes, monkeypatch):
    """The bands are views that tile the map, each dense in the channels-last trunk
    (a strided band would make the convolutions copy it) and within the budget unless one
    first-axis slice alone exceeds it."""
    monkeypatch.setattr(fast_paths, 'MLP_BAND_BYTES', band_bytes)
    memory_format = torch.channels_last if len(shape) == 4 else torch.channels_last_3d
    x = torch.randn(shape).contiguous(memory_format=memory_format)
    covered = x.clone(memory_format=memory_format)
    bands = fast_paths.mlp_bands(covered, hidden)
    for band in bands:
        assert band.is_contiguous(memory_format=memory_format), band.stride()
        band.add_(1)  # a view: writes into ``covered``
    assert torch.equal(covered, x + 1)  # every position in exactly one band
    one_slice = x[0, 0, 0].numel() * hidden * x.element_size()
    assert len(bands) > 1
    for band in bands:
        assert band[0, 0].numel() * band.shape[0] * hidden * 4 <= max(band_bytes, one_slice)


def test_banded_mlp_is_taken_at_cpu_inference_only():
    norm = torch.nn.BatchNorm2d(4).eval()
    x = torch.randn(1, 4, 3, 3)
    with torch.no_grad():
        assert fast_paths.uses_banded_mlp(x, norm)
        assert not fast_paths.uses_banded_mlp(x, norm.train())  # batch statistics
    assert not fast_paths.uses_banded_mlp(x, norm.eval())  # autograd on


def test_video_mlp_as_linear_layers_at_cpu_inference_only():
    """The video's 1x1x1 MLP runs as linear layers at CPU inference only (its numbers against
    the convolutions: test_video_inference_fast_path_equals_autograd_path)."""
    x = torch.randn(1, 4, 2, 3, 3)
    with torch.no_grad():
        assert fast_paths.uses_linear_pointwise_3d(x)
    assert not fast_paths.uses_linear_pointwise_3d(x)  # autograd on: the conv3d modules
    mlp = create_backbone('uniformer_video_s', depths=(1, 1, 1, 1)).blocks1[0].mlp.eval()
    x = torch.randn(1, 64, 3, 5, 4).contiguous(memory_format=torch.channels_last_3d)
    with torch.no_grad():
        fast = mlp(x)
    torch.testing.assert_close(fast, mlp(x).detach(), rtol=1e-5, atol=1e-6)
    assert fast.is_contiguous(memory_format=torch.channels_last_3d)  # the trunk's layout


# ---------------------------------------------------------------------------- windows
def test_window_attention_over_real_tokens_only_above_the_padding_share():
    """The measured threshold: 16x12 stage-3 maps padded to 28x14 project only the real
    tokens, 50x76 padded to 56x84 project the padded map."""
    assert fast_paths.projects_real_tokens_only(16, 12, 28, 14)
    assert not fast_paths.projects_real_tokens_only(50, 76, 56, 84)


@pytest.mark.parametrize('grad', [True, False])
def test_both_window_paths_give_the_same_numbers(grad, monkeypatch):
    """Projecting only the real tokens and padding the projections with the qkv bias equals
    projecting the zero-padded map, forward and backward."""
    torch.manual_seed(0)
    model = create_backbone('uniformer_s_w32', depths=(1, 1, 1, 1), window_size=5,
                            out_indices=(2, 3)).eval()
    x = torch.randn(1, 3, 100, 90)  # stage 3: 6x5 padded to 10x5 (40% padding)
    outs = []
    for share in (0., 2.):  # always real tokens only; never (except while recording)
        monkeypatch.setattr(fast_paths, 'PAD_QKV_SHARE', share)
        model.zero_grad()
        with torch.set_grad_enabled(grad):
            out = model(x)
        if grad:
            sum(o.square().mean() for o in out).backward()
        outs.append((out, [p.grad for p in model.blocks3.parameters()]))
    for a, b in zip(outs[0][0], outs[1][0]):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    for a, b in zip(outs[0][1], outs[1][1]):
        assert (a is None) == (b is None) == (not grad)
        if grad:
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------------------- depthwise
def _depthwise_fast_path_equals_plain(conv, shape, memory_format, backward):
    """``depthwise_conv(conv, x)`` in a CPU fp32 training step takes the autograd function
    whose backward node is ``backward``; its output equals the plain convolution's and every
    gradient (input, weight, bias) is the plain one's; inference and autocast keep the plain
    convolution. Returns the input."""
    from uniformer_dense.models.fast_paths import depthwise_conv
    x = torch.randn(shape).to(memory_format=memory_format).requires_grad_()
    grad = torch.randn(shape)
    out = depthwise_conv(conv, x)
    assert type(out.grad_fn).__name__ == backward
    ours = torch.autograd.grad(out, (x, conv.weight, conv.bias), grad)
    plain_out = conv(x)
    plain = torch.autograd.grad(plain_out, (x, conv.weight, conv.bias), grad)
    assert torch.equal(out, plain_out)
    for name, a, b in zip(('input', 'weight', 'bias'), ours, plain):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5 * float(b.abs().max()), msg=name)
    with torch.no_grad():
        assert torch.equal(depthwise_conv(conv, x), plain_out)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert type(depthwise_conv(conv, x).grad_fn).__name__ != backward
    return x


@pytest.mark.parametrize('shape,channels_last', [((2, 16, 9, 13), True), ((1, 16, 7, 6), False),
                                                 ((1, 16, 3, 2), True)])
def test_depthwise_5x5_weight_gradient_in_four_3x3_blocks(shape, channels_last):
    """The local blocks' 5x5 depthwise convolution computes its weight gradient from four 3x3
    ones on the CPU (oneDNN's 5x5 one is 12-28x slower than its 3x3); every gradient equals
    the plain convolution's, also on maps smaller than the kernel."""
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(16, 16, 5, padding=2, groups=16)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    _depthwise_fast_path_equals_plain(conv, shape, layout, '_Depthwise5x5Backward')


@pytest.mark.parametrize('k,shape,channels_last', [(3, (2, 8, 4, 9, 7), True),
                                                   (5, (1, 8, 3, 6, 5), True),
                                                   (5, (2, 8, 2, 3, 4), False),
                                                   (3, (1, 8, 1, 2, 2), False)])
def test_depthwise_3d_gradients_from_2d_ones_and_the_flipped_kernel(k, shape, channels_last):
    """The video network's 3D depthwise convolutions (positional 3x3x3, local attention
    5x5x5) take their input gradient as a convolution with the flipped kernel and their
    weight gradient from 2D ones over the frames on the CPU (oneDNN's 3D ones are 5-12x
    slower); every gradient equals the plain convolution's, also for clips shorter and maps
    smaller than the kernel and batches of several clips."""
    from uniformer_dense.models.fast_paths import depthwise_conv
    torch.manual_seed(0)
    conv = torch.nn.Conv3d(8, 8, k, padding=k // 2, groups=8)
    layout = torch.channels_last_3d if channels_last else torch.contiguous_format
    x = _depthwise_fast_path_equals_plain(conv, shape, layout, '_Depthwise3dBackward')
    strided = torch.nn.Conv3d(8, 8, k, stride=2, padding=k // 2, groups=8)  # not 'same'
    assert type(depthwise_conv(strided, x).grad_fn).__name__ != '_Depthwise3dBackward'


# ---------------------------------------------------------------------------- compile gate
def _compiled_training_steps_equal_eager(model, shapes, options=None):
    """One training step per input shape through ``torch.compile(model, options=options)``
    and through the eager model: the loss, the input's gradient and every parameter's
    gradient agree."""
    compiled = torch.compile(model, options=options)

    def grads(run, x):
        model.zero_grad()
        x = x.clone().requires_grad_()
        out = run(x)
        loss = sum(o.square().mean() for o in (out if isinstance(out, tuple) else (out,)))
        loss.backward()
        return loss.detach(), x.grad, {n: p.grad.clone() for n, p in model.named_parameters()}

    for shape in shapes:
        x = torch.randn(shape)
        loss, x_grad, param_grads = grads(compiled, x)
        ref_loss, ref_x_grad, ref_param_grads = grads(model, x)
        torch.testing.assert_close(loss, ref_loss, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(x_grad, ref_x_grad, rtol=1e-3, atol=1e-6)
        assert param_grads.keys() == ref_param_grads.keys()
        for name in param_grads:
            torch.testing.assert_close(param_grads[name], ref_param_grads[name], rtol=1e-3,
                                       atol=1e-5, msg=name)


@pytest.mark.slow
@pytest.mark.parametrize('name', ['uniformer_s_h14', 'uniformer_xxs', 'uniformer_video_s'])
def test_compiled_training_step_survives_a_second_input_size(name):
    """Detection trains on varying sizes: a compiled training step must take a new size.

    A second size makes Dynamo recompile with symbolic sizes; Inductor used to stop there
    (``cannot determine truth value of Relational``) on views the forward saves for backward
    whose symbolic strides it could not order: the permuted channels-last views of stages
    3-4 (``64*((s0//4)) < 64``) and the light models' ``(B, 1, H, W)`` view of the token
    score they halve between stages 3 and 4 (``W < 1``). One block per stage (two in the
    light model's stage 3: the first keeps every token, the second prunes and halves the
    score) and small widths keep the compile short; a fresh compile of the second size still
    takes minutes on 2 cores (with ``dynamic=True`` from the start it takes longer).

    S-h14: windows of 4 so that stage 3 is windowed and padded at both sizes. XXS: stages
    3-4 prune and recover tokens at both sizes; the second size's 5x7 stage-3 map halves
    with its odd row and column dropped. Video S: frames, height and width all change."""
    torch.manual_seed(0)
    small = dict(embed_dims=(16, 32, 64, 128), head_dim=16)
    # Scalar C++ kernels: to pick a tiling, Inductor's CPU vectoriser runs sympy.simplify on
    # each kernel's symbolic indices, which costs much of a second-size compile (XXS, with the
    # conv stem's nested floors: 27 minutes vectorised, torch 2.13 on 2 busy cores; video S
    # 96 s -> 70 s idle). The failures this test guards against come before code generation,
    # while the graph is lowered; the gradients are compared either way.
    options = {'cpp.simdlen': 1}
    if name == 'uniformer_s_h14':
        model = create_backbone(name, depths=(1, 1, 1, 1), window_size=4, **small)
        shapes = [(2, 3, 64, 96), (2, 3, 96, 144)]
    elif name == 'uniformer_xxs':
        model = create_backbone(name, depths=(1, 1, 2, 1), **small)
        shapes = [(2, 3, 64, 96), (2, 3, 80, 112)]
    else:
        model = create_backbone(name, depths=(1, 1, 1, 1), **small)
        shapes = [(1, 3, 4, 64, 96), (1, 3, 6, 96, 128)]
    _compiled_training_steps_equal_eager(model.train(), shapes, options)
