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


def test_training_step_breakdown_puts_every_kernel_in_one_class():
    """benchmarks/train_step.py --breakdown: FLOPs and profiled time by kernel class. The
    package's backbone runs fused attention; the reference's explicit softmax(q k^T) v counts
    as matrix products; the shares cover the whole step."""
    import train_step as ts
    assert [ts.kernel_class(n) for n in (
        'aten::mm', 'aten.addmm', 'aten::bmm', 'aten::convolution_backward',
        'aten::mkldnn_convolution', 'aten::_scaled_dot_product_flash_attention_for_cpu_backward',
        'aten::gelu_backward', 'aten::native_layer_norm', 'aten::copy_')] == [
        'matmul', 'matmul', 'matmul', 'convolution', 'convolution', 'attention',
        'rest', 'rest', 'rest']
    torch.manual_seed(0)
    model = create_backbone('uniformer_s_h14', depths=(1, 1, 2, 1), window_size=7)
    reference = ReferenceUniFormer(model)
    x = torch.randn(1, 3, 112, 112)
    ours, ref = ts.forward_flops_by_class(model, x), ts.forward_flops_by_class(reference, x)
    assert ours['rest'] == ref['rest'] == 0
    assert ours['attention'] > 0 and ref['attention'] == 0
    assert ours['convolution'] == ref['convolution'] > 0
    # the same arithmetic, attention moved from the fused kernel into matrix products
    assert ref['matmul'] == ours['matmul'] + ours['attention']

    def train_step(net):
        sum(o.mean() for o in net(x)).backward()
        model.zero_grad(set_to_none=True)

    model.train()
    shares = ts.time_by_class(lambda: train_step(model))
    ref_shares = ts.time_by_class(lambda: train_step(reference))
    assert sum(shares.values()) == pytest.approx(1) == sum(ref_shares.values())
    assert all(shares[c] > 0 for c in ts.KERNEL_CLASSES)
    assert ref_shares['attention'] == 0 and ref_shares['matmul'] > 0
    row = ts.breakdown_rows('s', 100., dict(matmul=.5, convolution=.2, attention=.1, rest=.2),
                            dict(matmul=10e9, convolution=2e9, attention=1e9, rest=0), 1e12)
    # training: floor 3 x 13 GFLOP at 1 TFLOP/s = 39 ms; matmul 30 GFLOP in 50 ms = 600 GFLOP/s
    assert row == '| s | 100 | 50 (600) | 20 (300) | 10 (300) | 20 | 2.56 | 2.05 |'
    # forward: floor 13 ms
    row = ts.breakdown_rows('f', 100., dict(matmul=.5, convolution=.2, attention=.1, rest=.2),
                            dict(matmul=10e9, convolution=2e9, attention=1e9, rest=0), 1e12,
                            passes=1)
    assert row == '| f | 100 | 50 (200) | 20 (100) | 10 (100) | 20 | 7.69 | 6.15 |'
