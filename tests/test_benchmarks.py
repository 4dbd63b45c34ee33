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


def test_benchmark_reads_the_toolboxes_own_configs_by_package_path():
    """tools/benchmark.py (and every tool through harness.load_config) takes MMDetection's own
    Swin-T Mask R-CNN as ``mmdet::...``, the comparison of benchmarks/run.py --only models."""
    import json

    from tools_cli import run_tool
    proc = run_tool('benchmark.py', 'mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py',
                    '--json', '--skip-speed')
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['task'] == 'det' and result['config'].endswith(
        'mmdet/.mim/configs/swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py')
    assert 47e6 < result['params'] < 49e6  # MMDetection's model zoo: 48M
    missing = run_tool('benchmark.py', 'mmdet::swin/no_such_config.py', '--skip-speed',
                       check=False)
    assert missing.returncode != 0
    assert 'no_such_config.py' in missing.stderr and '.mim/configs' in missing.stderr
