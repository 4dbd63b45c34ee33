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


def _benchmarks_run():
    """benchmarks/run.py as a module (a script, not a package member)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('benchmarks_run_units', REPO / 'benchmarks' /
                                                  'run.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_backbone_reruns_the_backbone_section_and_keeps_the_rest(tmp_path, monkeypatch):
    """``--only backbone`` re-measures the tables above the whole-model section (the backbone
    table with its checkpointing and execution-mode tables, which have ``## `` headings of
    their own) and keeps every other section, hand-pasted ones included. The GMACs column is
    MACs and the floor their true FLOPs (2 per MAC) at the measured rate."""
    from uniformer_dense import analysis
    run = _benchmarks_run()
    measured = []

    def fake_subprocess(name, h, w, mode, device, repeats, options=None):
        measured.append((name, h, mode))
        return dict(ms=100.0, peak_mb=10.0, **({'macs': 5e9} if mode == 'forward' else {}))

    monkeypatch.setattr(run, 'in_subprocess', fake_subprocess)
    monkeypatch.setattr(analysis, 'matmul_rate', lambda device: 100e9)
    checkpointing = '## Gradient checkpointing, UniFormer-S h14 training step at 800x1216'
    modes = '## Execution modes, UniFormer-S h14 forward at 800x1216'
    old = [run.BACKBONE_SECTION, '', 'old table', '', checkpointing, '', 'old checkpointing',
           '', modes, '', 'old modes']
    rest = ['', run.VIDEO_SECTION, '', 'video rows', '', '## Training steps (pasted by hand)',
            '', 'kept rows', '', run.MODELS_SECTION, '', 'model rows']
    out = tmp_path / 'RESULTS.md'
    out.write_text('\n'.join(old + rest) + '\n')
    run.main(['--only', 'backbone', '--quick', '--out', str(out)])
    text = out.read_text()
    kept = '\n'.join(rest) + '\n'
    assert text.endswith(kept) and 'old' not in text
    section = text[:-len(kept)].split('\n')
    assert section[0] == run.BACKBONE_SECTION
    assert section.count(checkpointing) == 1 and section.count(modes) == 1
    assert {(name, h) for name, h, mode in measured} == {
        (name, h) for name in run.MODELS for h, _ in run.SIZES}
    # 5 GMACs = 10 GFLOP at 100 GFLOP/s: a floor of 100 ms, measured 100 ms
    assert '| uniformer_s_h14 | 224x224 | 5.0 | 100 | 1.00 | 100 | 10 | 10 |' in section
    assert run.floor_ms(5e9, 100e9) == pytest.approx(100)


def test_macs_are_half_the_counted_flops_and_benchmark_flops_are_macs():
    """One unit per name: ``flop_counter`` counts true FLOPs, ``call_macs`` / ``count_macs``
    and benchmarks/run.py's ``macs`` are half of them, and tools/benchmark.py's ``flops``
    (``analysis.measure``) are MACs, the papers' "FLOPs"."""
    from uniformer_dense.analysis import (build_model, call_macs, count_macs, dummy_batch,
                                          flop_counter, measure)
    from uniformer_dense.harness import load_config
    run = _benchmarks_run()
    small = dict(depths=(1, 1, 1, 1))
    model = create_backbone('uniformer_s', **small).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode(), flop_counter() as counter:
        model(x)
    flops = counter.get_total_flops()
    assert flops > 0 and 2 * call_macs(model, x) == flops
    assert 2 * run.measure_one('uniformer_s', 64, 64, 'forward', 'cpu', 1, small)['macs'] == flops
    cfg = load_config(str(REPO / 'configs/toy/topdown_heatmap_uniformer_s_toy.py'))
    result = measure(cfg, (64, 48), repeats=1)
    macs = count_macs(build_model(cfg, init=False).eval(), 'pose', *dummy_batch(cfg, (64, 48)))
    assert result['flops'] == macs > 0


def test_one_timing_loop_and_one_matmul_rate():
    """The benchmarks time through ``analysis.time_calls`` and share ``analysis.matmul_rate``."""
    import train_step as ts

    from uniformer_dense import analysis
    run = _benchmarks_run()
    assert ts.matmul_rate is analysis.matmul_rate and not hasattr(run, 'matmul_rate')
    calls = []
    times, last = analysis.time_calls(lambda: calls.append(1) or len(calls), 3, warmup=2)
    assert len(calls) == 5 and len(times) == 3 and last == 5 and min(times) >= 0
    assert analysis.matmul_rate(n=64, repeats=2) > 0
