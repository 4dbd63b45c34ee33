"""Training computes the authors' gradients: the backbone's training paths (both ways of
padding windows, channels-last stages, fused attention) against the line-by-line reference
in benchmarks/, both on the same modules and batch statistics."""
import sys

import pytest
import torch

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
        # float32 sums in different orders: tolerance relative to the tensor's scale
        scale = float(g_ref[key].abs().max())
        torch.testing.assert_close(g_ours[key], g_ref[key], rtol=1e-4, atol=2e-5 * scale,
                                   msg=lambda m, key=key: f'{key}: {m}')
    torch.testing.assert_close(gx_ours, gx_ref, rtol=1e-4,
                               atol=2e-5 * float(gx_ref.abs().max()))
