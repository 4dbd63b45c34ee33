"""Training computes the right gradients.

- Fidelity: against the authors' network (the training-mode golden of ../shared/reference:
  every parameter's gradient of S-h14 with BatchNorm on batch statistics).
- Consistency of the fast training paths (both ways of padding windows, channels-last
  stages, fused attention) with the plain line-by-line path in benchmarks/ (the speed
  baseline), on the same modules and batch statistics: not a fidelity check.
- The light models' token pruning (argsort, gathers, the representative token's weights):
  autograd against central finite differences in float64 on a reduced-depth XXS.
"""
import sys

import pytest
import torch

from reference import REFERENCE, grad_probe, load_golden, load_layout, synthetic_state_dict
from tools_cli import REPO

sys.path.insert(0, str(REPO / 'benchmarks'))
from reference_uniformer import ReferenceUniFormer  # noqa: E402

from uniformer_dense.models import create_backbone  # noqa: E402


def _grads(model, forward, x):
    model.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_()
    outs = forward(x)
    # a different weight per stage and position, so every output element matters
    loss = sum((o * torch.linspace(-1, 1, o.numel()).view_as(o)).sum() * (i + 1)
               for i, o in enumerate(outs))
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return outs, grads, x.grad


@pytest.mark.parametrize('name,hw', [
    ('uniformer_s_h14', (150, 230)),  # stage 3 9x14 -> 14x14: padded qkv with the bias
    ('uniformer_s_h14', (208, 224)),  # 13x14 -> 14x14: little padding, padded map projected
    ('uniformer_s_h14', (112, 112)),  # 7x7: windows of 7 need no padding
    ('uniformer_s', (96, 64)),        # global attention
])
def test_training_gradients_equal_reference(name, hw):
    torch.manual_seed(0)
    model = create_backbone(name, depths=(1, 1, 4, 1),
                            window_size=7 if 'h14' in name else None).train()
    model.init_weights()
    x = torch.randn(2, 3, *hw)
    ours, g_ours, gx_ours = _grads(model, model, x)
    ref, g_ref, gx_ref = _grads(model, ReferenceUniFormer(model), x)
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    assert g_ours.keys() == g_ref.keys() and len(g_ours) == len(list(model.parameters()))
    for key in g_ref:
        # float32 sums in different orders, relative to the tensor's largest entry: a 1x1
        # conv's weight gradient behind training-mode BatchNorm (a sum over every position
        # with much cancellation) differs by up to 2.8e-5 of it at 208x224 (1 or 2 threads,
        # AMD EPYC); a lost or doubled term is off by the order of the entry itself
        scale = float(g_ref[key].abs().max())
        torch.testing.assert_close(g_ours[key], g_ref[key], rtol=1e-4, atol=1e-4 * scale,
                                   msg=lambda m, key=key: f'{key}: {m}')
    torch.testing.assert_close(gx_ours, gx_ref, rtol=1e-4,
                               atol=2e-5 * float(gx_ref.abs().max()))


def test_training_gradients_match_the_authors_network():
    """One training step of S-h14 (BatchNorm on batch statistics, hybrid window attention with
    its zero padding) gives the authors' gradients for every parameter: the recipe of
    ../shared/reference/README.md, "training-mode gradients"."""
    golden = load_golden(REFERENCE / 'uniformer_golden' / 'uniformer_s_h14.train_grad.golden.json')
    assert golden['variant'] == 'uniformer_s_h14'
    model = create_backbone('uniformer_s_h14', drop_path_rate=0.)
    model.load_state_dict(synthetic_state_dict(load_layout('uniformer_s_h14')), strict=True)
    model.train()
    n, c, h, w = golden['input']
    assert (n, c, h, w) == (2, 3, 224, 288)
    x = torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(n * 1000000 + h * 1000 + w))
    outs = model(x)
    loss = sum((out * torch.randn(out.shape, generator=torch.Generator().manual_seed(7 * i + 1),
                                  dtype=torch.float64).float()).sum()
               for i, out in enumerate(outs))
    loss.backward()
    # The loss is a float32 sum over ~1.2M output elements, the quantity the eval goldens' `dot`
    # fingerprints, which the README says a faithful implementation matches to a relative 1e-4
    # (summation order only); a wrong batch statistic or weight moves it by far more.
    assert loss.item() == pytest.approx(golden['loss'], rel=1e-4)

    grads = {key: p.grad for key, p in model.named_parameters()
             if p.requires_grad and p.grad is not None}
    missing, extra = golden['grads'].keys() - grads.keys(), grads.keys() - golden['grads'].keys()
    assert not missing and not extra, (f'golden parameters without a gradient here: '
                                       f'{sorted(missing)}; gradients the golden lacks: {sorted(extra)}')
    # Tolerances as the README states them: float32 sums in another order (the golden's run
    # reduces over batch, pixels and windows in its own order), relative to the gradient's norm.
    wrong = []
    for key, ref in golden['grads'].items():
        grad = grads[key]
        if list(grad.shape) != ref['shape']:
            wrong.append(f'{key}: shape {list(grad.shape)} != {ref["shape"]}')
            continue
        dot, index = grad_probe(grad, key)
        assert index.tolist() == ref['sample_index'], f'{key}: probe recipe differs from the golden'
        norm = grad.double().norm().item()
        sample_error = (grad.flatten()[index].double()
                        - torch.tensor(ref['samples'], dtype=torch.float64)).abs().max().item()
        if abs(norm - ref['norm']) > 1e-3 * ref['norm']:
            wrong.append(f'{key}: norm {norm:.6g} != {ref["norm"]:.6g}')
        if abs(dot - ref['dot']) > 1e-3 * max(abs(ref['dot']), 3 * ref['norm']):
            wrong.append(f'{key}: dot {dot:.6g} != {ref["dot"]:.6g} (norm {ref["norm"]:.6g})')
        if sample_error > 1e-3 * ref['norm']:
            wrong.append(f'{key}: samples off by {sample_error:.3g} (norm {ref["norm"]:.6g})')
    assert not wrong, f'{len(wrong)} gradient mismatches:\n' + '\n'.join(wrong[:40])


@pytest.mark.parametrize('config', ['configs/det/mask_rcnn_uniformer_s.py',
                                    'configs/seg/upernet_uniformer_s_h14.py',
                                    'configs/pose/topdown_heatmap_uniformer_s_256x192.py',
                                    'configs/video/uniformer_video_s_16x8_k400.py'])
def test_shipped_optimizer_is_fused_and_steps_like_the_plain_one(config):
    """The shipped AdamW runs fused (one kernel for every tensor: ~4x faster steps on CPU)
    through MMEngine's optimizer constructor and its per-parameter groups, and moves the
    weights as the plain for-loop AdamW does."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(str(REPO / config))
    torch.manual_seed(0)
    model = create_backbone('uniformer_s', depths=(1, 1, 1, 1)).train()
    twin = create_backbone('uniformer_s', depths=(1, 1, 1, 1)).train()
    twin.load_state_dict(model.state_dict())
    fused = build_optim_wrapper(model, cfg.optim_wrapper)
    plain_cfg = cfg.optim_wrapper.copy()
    plain_cfg.optimizer = dict(plain_cfg.optimizer, fused=False)
    plain = build_optim_wrapper(twin, plain_cfg)
    assert fused.optimizer.defaults['fused'] is True
    assert plain.optimizer.defaults['fused'] is False
    assert len(fused.optimizer.param_groups) == len(plain.optimizer.param_groups)
    start = [p.detach().clone() for p in model.parameters()]
    x = torch.randn(2, 3, 64, 64)
    for _ in range(3):
        for net, wrapper in ((model, fused), (twin, plain)):
            wrapper.update_params(sum(o.square().mean() for o in net(x)))
    # Adam's steps are ~lr wherever a gradient is non-zero; rounding differences of the two
    # implementations matter only where gradients are ~0, so compare the whole update.
    moved = torch.cat([(a.detach() - s).flatten() for a, s in zip(model.parameters(), start)])
    moved_plain = torch.cat([(b.detach() - s).flatten() for b, s in zip(twin.parameters(), start)])
    assert moved.abs().max() > 0
    assert (moved - moved_plain).norm() <= 5e-3 * moved_plain.norm()  # weight decay: ~5%


def test_light_model_gradients_equal_finite_differences():
    """Reduced-depth XXS (two stage-3 blocks: one seeds the token scores, one prunes half the
    tokens and merges the rest into the representative token), training mode, float64: the
    directional derivative of a fixed projection of both heads' outputs along random
    parameter directions equals autograd's gradient dotted with the direction. Independent
    of autograd (a path autograd missed, e.g. a detached token score, makes them differ)."""
    from uniformer_dense.models import create_classifier
    torch.manual_seed(0)
    model = create_classifier('uniformer_xxs_in1k', num_classes=7, depths=(1, 1, 2, 1),
                              drop_path_rate=0.).double().train()
    for m in model.modules():  # running statistics would change between the evaluations
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.track_running_stats = False
            m.running_mean = m.running_var = None
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64)
    weights = [torch.randn(2, 7, dtype=torch.float64) for _ in range(2)]
    params = [p for p in model.parameters() if p.requires_grad]

    def loss():
        pooled, cls = model(x)
        return (pooled * weights[0]).sum() + (cls * weights[1]).sum()

    model.zero_grad()
    loss().backward()
    grads = [p.grad.clone() for p in params]
    assert all(g.abs().sum() > 0 for g in grads[:3]) and len(grads) == len(params)
    eps = 1e-6
    for seed in range(3):
        gen = torch.Generator().manual_seed(seed)
        direction = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in params]
        with torch.no_grad():
            for p, d in zip(params, direction):
                p.add_(eps * d)
            plus = loss().item()
            for p, d in zip(params, direction):
                p.sub_(2 * eps * d)
            minus = loss().item()
            for p, d in zip(params, direction):
                p.add_(eps * d)
        numeric = (plus - minus) / (2 * eps)
        analytic = sum(float((g * d).sum()) for g, d in zip(grads, direction))
        assert numeric == pytest.approx(analytic, rel=1e-6), (seed, numeric, analytic)
