"""The benchmark's line-by-line baseline computes what the package's backbone computes."""
import sys

import pytest
import torch

from tools_cli import REPO

sys.path.insert(0, str(REPO / 'benchmarks'))
from reference_uniformer import ReferenceUniFormer  # noqa: E402

from uniformer_dense.models import create_backbone  # noqa: E402


@pytest.mark.parametrize('name', ['uniformer_s', 'uniformer_s_h14'])
def test_reference_matches_backbone(name):
    torch.manual_seed(0)
    model = create_backbone(name, window_size=7 if 'h14' in name else None).eval()
    model.init_weights()
    x = torch.randn(1, 3, 150, 230)  # stage 3 is 9x14: windows of 7 pad both ways
    with torch.no_grad():
        ours, ref = model(x), ReferenceUniFormer(model)(x)
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
