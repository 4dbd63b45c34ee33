"""The benchmark's line-by-line baseline computes what the package's backbone computes."""
import sys
import time

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
    their own) and keeps every other section, hand-pasted ones included. Every table's
    models are timed together (one ``interleaved_rounds`` per table, 5 rounds at 800x1216,
    10 at 224 without --quick), memory comes from a process per row, the header names the
    processor, threads and rate. The GMACs column is MACs and the floor their true FLOPs
    (2 per MAC) at the measured rate."""
    from uniformer_dense import analysis
    run = _benchmarks_run()
    memory, tables = [], []

    def fake_subprocess(name, h, w, mode, device, options=None):
        memory.append((name, h, mode))
        return dict(peak_mb=10.0, **({'macs': 5e9} if mode == 'forward' else {}))

    def fake_rounds(runs, rounds, warmup=1, device='cpu', log=None):
        tables.append((list(runs), rounds))
        return {key: dict(cold_ms=300.0, times=[100.0, 120.0, 140.0], fastest_ms=100.0,
                          median_ms=120.0) for key in runs}

    monkeypatch.setattr(run, 'in_subprocess', fake_subprocess)
    monkeypatch.setattr(run, 'make_step', lambda *args: (lambda: None, None, None))
    monkeypatch.setattr(analysis, 'interleaved_rounds', fake_rounds)
    monkeypatch.setattr(analysis, 'matmul_rate', lambda device: 100e9)
    checkpointing = '## Gradient checkpointing, UniFormer-S h14 training step at 800x1216'
    modes = '## Execution modes, UniFormer-S h14 forward at 800x1216'
    old = [run.BACKBONE_SECTION, '', 'old table', '', checkpointing, '', 'old checkpointing',
           '', modes, '', 'old modes']
    rest = ['', run.VIDEO_SECTION, '', 'video rows', '', '## Training steps (pasted by hand)',
            '', 'kept rows', '', run.MODELS_SECTION, '', 'model rows']
    out = tmp_path / 'RESULTS.md'
    out.write_text('\n'.join(old + rest) + '\n')
    run.main(['--only', 'backbone', '--out', str(out)])
    text = out.read_text()
    kept = '\n'.join(rest) + '\n'
    assert text.endswith(kept) and 'old' not in text
    section = text[:-len(kept)].split('\n')
    assert section[0] == run.BACKBONE_SECTION
    assert section.count(checkpointing) == 1 and section.count(modes) == 1
    everything = {(name, h) for name in run.MODELS for h, _ in run.SIZES}
    assert {(name, h) for name, h, mode in memory} == everything
    # four tables: each size's backbones (forward and train together), checkpointing, modes
    assert [rounds for _, rounds in tables] == [10, 5, 5, 5]
    assert {key[:2] for keys, _ in tables[:2] for key in keys} == everything
    assert list(tables[2][0]) == list(run.CHECKPOINTING)
    assert list(tables[3][0]) == list(run.EXECUTION)
    header = next(line for line in section if line.startswith('Machine: '))
    assert f'{torch.get_num_threads()} threads' in header and '100.0 GFLOP/s' in header
    assert run.processor()[0] in header and 'fastest and the median of the 10' in text
    # 5 GMACs = 10 GFLOP at 100 GFLOP/s: a floor of 100 ms, measured 100 ms (fastest)
    assert ('| uniformer_s_h14 | 224x224 | 5.0 | 100 | 120 | 300 | 1.00 | 100 | 120 | 10 | 10 |'
            in section)
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
    assert 2 * run.measure_one('uniformer_s', 64, 64, 'forward', 'cpu', small)['macs'] == flops
    timing = run.timed({'s': ('uniformer_s', 64, 64, 'train', small)}, 'cpu', 2)['s']
    assert len(timing['times']) == 2 and 0 < timing['fastest_ms'] <= timing['median_ms']
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
    # the one way tables are timed: a warm-up each, then rounds that take turns
    calls.clear()
    res = analysis.interleaved_rounds({'a': lambda: calls.append('a'),
                                       'b': lambda: time.sleep(0.002) or calls.append('b')}, 3)
    assert calls == ['a', 'b'] + ['a', 'b'] * 3
    assert [len(r['times']) for r in res.values()] == [3, 3]
    for r in res.values():
        assert r['cold_ms'] >= 0 and r['fastest_ms'] == min(r['times'])
        assert r['median_ms'] == sorted(r['times'])[1]
    assert res['b']['fastest_ms'] >= 2  # each run's own time: b sleeps 2 ms
    assert ts.interleaved_rounds is analysis.interleaved_rounds
    assert analysis.matmul_rate(n=64, repeats=2) > 0


PEAK_PROBE = """
import json, torch
from uniformer_dense.analysis import peak_memory
with peak_memory('cpu') as nothing:
    torch.zeros(16).sum()
with peak_memory('cpu') as first:
    big = torch.ones(64 * 2 ** 20)  # 256 MB, every page written
del big
with peak_memory('cpu') as again:  # the same size below the process's earlier peak
    big = torch.ones(64 * 2 ** 20)
print(json.dumps([nothing['mb'], first['mb'], again['mb']]))
"""


def test_peak_memory_is_the_growth_of_the_peak_during_the_block():
    """``analysis.peak_memory``, what every benchmark's peak MB column reads (CPU): a fresh
    process's 256 MB tensor reads as about 256 MB; a block that allocates little reads ~0;
    and a block below the process's earlier peak reads ~0 too, which is why the benchmarks
    measure memory in a fresh process per row."""
    import json
    import subprocess
    proc = subprocess.run([sys.executable, '-c', PEAK_PROBE], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nothing, first, again = json.loads(proc.stdout.strip().splitlines()[-1])
    assert nothing < 16, nothing
    assert 240 <= first <= 300, first  # MB, not KB or bytes; the tensor, not the process
    assert again < 16, again


def _throughput_result(row, ips, **extra):
    return dict(row=row, params=1e6, macs=1e9, ips=ips, ips_median=ips * 0.9,
                fastest_ms=1000 / ips, median_ms=1000 / (0.9 * ips), note='', **extra)


def test_throughput_comparison_is_computed_from_the_numbers():
    """benchmarks/throughput.py's paragraph: each light UniFormer row (PyTorch) against the
    peers within +-1.0 top-1, the ratio of images/s, where "2-4x" holds and where not; S/B
    and ONNX rows are no light PyTorch rows; ONNX Runtime is compared with its own eager row."""
    import throughput as tp
    Row = tp.Row
    rows = [Row('XXS', 'uniformer', 'uniformer_xxs_in1k', 128, 76.8, 'p'),
            Row('XS', 'uniformer', 'uniformer_xs_in1k', 224, 82.0, 'p'),
            Row('Small', 'uniformer', 'uniformer_small_in1k', 224, 82.9, 'p'),
            Row('B0', 'timm', 'efficientnet_b0', 224, 77.1, 'p'),
            Row('MV', 'timm', 'mobilevit_s', 256, 78.4, 'p'),   # 1.6 points off XXS
            Row('B3', 'timm', 'efficientnet_b3', 300, 81.0, 'p'),  # exactly 1.0 off XS
            Row('CN', 'timm', 'convnext_tiny', 224, 82.1, 'p'),
            Row('XXS', 'onnx', 'uniformer_xxs_in1k', 128, 76.8, 'p')]
    ips = [100, 30, 5, 40, 10, 20, 10, 150]
    results = {tp.row_key(r): _throughput_result(r, v) for r, v in zip(rows, ips)}
    text = '\n'.join(tp.comparison_lines(results))
    assert '- XXS 128 (76.8, 100 img/s) against B0 224 (77.1, 40 img/s) **2.50x** (2-4x holds).' \
        in text
    assert 'MV 256' not in text.split('\n\n')[1]  # not within 1.0 of any light row
    assert ('- XS 224 (82.0, 30 img/s) against B3 300 (81.0, 20 img/s) **1.50x** (faster, '
            'under 2x); CN 224 (82.1, 10 img/s) **3.00x** (2-4x holds).') in text
    assert 'Small' not in text  # UniFormer-S is not a light row
    assert ('holds on this CPU for 2 of 3 pairs (XXS 128 / B0 224: 2.50x, XS 224 / CN 224: '
            '3.00x); not for 1 (XS 224 / B3 300: 1.50x).') in text
    assert text.endswith('same model and resolution: XXS 128 (ORT) 1.50x.')
    assert [tp.verdict(r) for r in (4.5, 4, 2, 1.9, 0.5)] == [
        'more than 4x', '2-4x holds', '2-4x holds', 'faster, under 2x', 'slower']
    assert len(tp.quick_rows()) == 6 and {r.kind for r in tp.quick_rows()} == set(tp.KINDS)
    # every published number comes with its paper
    assert all(r.top1 > 70 and r.source for r in tp.ROWS)


def test_throughput_quick_run_writes_its_section_and_keeps_the_rest(tmp_path, monkeypatch):
    """A real (tiny) run of benchmarks/throughput.py: a UniFormer, a timm peer and an ONNX
    Runtime row at 64 px, batch 2: every row in the table with numbers > 0, its section
    replaced in place and the others kept, the plot written."""
    import throughput as tp

    from uniformer_dense import analysis
    monkeypatch.setattr(analysis, 'matmul_rate', lambda device='cpu': 100e9)
    rows = (tp.Row('UniFormer-XXS', 'uniformer', 'uniformer_xxs_in1k', 64, 76.8, 'paper U'),
            tp.Row('EfficientNet-B0', 'timm', 'efficientnet_b0', 64, 77.1, 'paper E'),
            tp.Row('UniFormer-XXS', 'onnx', 'uniformer_xxs_in1k', 64, 76.8, 'paper U'))
    monkeypatch.setattr(tp, 'ROWS', rows)
    out, png = tmp_path / 'RESULTS.md', tmp_path / 'plot.png'
    before, after = ['# Backbone benchmark', '', 'kept'], ['## Whole models', '', 'kept too']
    out.write_text('\n'.join(before + ['', tp.SECTION, '', 'old numbers', ''] + after) + '\n')
    results = tp.main(['--quick', '--batch', '2', '--out', str(out), '--plot', str(png)])
    text = out.read_text()
    assert text.startswith('\n'.join(before)) and text.endswith('\n'.join(after) + '\n')
    assert 'old numbers' not in text and text.count(tp.SECTION) == 1
    assert 'fastest of 1' in text and '2 threads' in text and 'GFLOP/s' in text
    assert '`python benchmarks/throughput.py --quick --batch 2 --out' in text
    table = [line for line in text.split('\n') if line.startswith('| UniFormer')
             or line.startswith('| EfficientNet')]
    assert len(table) == 3 and len(results) == 3
    for line in table:
        params, gmacs, top1, _, fastest, median = line.split(' | ')[3:9]
        assert min(float(params), float(gmacs), float(fastest), float(median.rstrip(' |'))) > 0
    assert all(r['ips'] > 0 and len(r['times']) == 1 for r in results.values())
    assert 'against EfficientNet-B0 64 (77.1' in text and 'XXS 64 (ORT)' in text
    assert png.stat().st_size > 10000


def test_authors_video_network_needs_a_checkout_and_says_which(tmp_path):
    """``run.py --authors PATH`` times the authors' own video network read from a checkout of
    their release (not shipped here, so only its error is tested): a folder without it is
    named with the file that was looked for."""
    from authors_video import VIDEO_FILE, authors_video_s
    with pytest.raises(FileNotFoundError, match=str(VIDEO_FILE)) as err:
        authors_video_s(tmp_path)
    assert str(tmp_path) in str(err.value) and 'Sense-X/UniFormer' in str(err.value)


def test_long_video_section_rows_come_from_the_measurements(tmp_path, monkeypatch):
    """``--only long_video``: every STAN step of the table goes to one ``stan_measured`` (the
    one method), and the rows, the extrapolation of fine-tuning without checkpointing to the
    config's M clips and the per-clip and per-video memory are computed from what it
    returns; ``quick`` measures fewer steps in one round."""
    run = _benchmarks_run()
    asked = []
    info = dict(num_clips=16, clip_len=16, frame_interval=4, static_frames=64,
                whole_video_static=True, macs=900e9, chunk_size=8, static_frames_per_clip=2)

    def fake_measured(specs, device, rounds):
        asked.append((dict(specs), rounds))
        res = {}
        for key, spec in specs.items():
            m, videos = spec.get('num_clips', 16), spec.get('batch', 1)
            ms = 1000.0 * (m if spec['mode'] == 'train' else 1)  # 1 s per clip when training
            res[key] = dict(fastest_ms=ms, median_ms=1.5 * ms, cold_ms=2 * ms, params=49e6,
                            trainable=49e6 if spec['config'] == run.STAN_FINETUNE else 7e6,
                            base_mb=187.0, shape=[m + 4, 3, 16, 224, 224], total_frames=3600)
            if spec['mode'] != 'decode':  # 800 MB a clip, 500 MB a further video
                res[key]['peak_mb'] = 7000.0 + 800.0 * m + 500.0 * (videos - 1)
        return res

    monkeypatch.setattr(run, 'long_video_path', lambda: tmp_path / 'video.mp4')
    monkeypatch.setattr(run, 'stan_in_subprocess', lambda **spec: dict(info))
    monkeypatch.setattr(run, 'stan_measured', fake_measured)
    lines = run.long_video_section('cpu', 100e9, quick=False)
    (specs, rounds), = asked
    assert rounds == 3
    assert {k if isinstance(k, str) else k[0] for k in specs} == {
        'decode', 'infer', 'frozen', 'checkpointed', 'plain'}
    assert sorted(k[1] for k in specs if isinstance(k, tuple) and k[0] == 'plain') == list(
        run.STAN_FEW_CLIPS)
    rows = [line for line in lines if line.startswith('| ') and 'step |' not in line]
    assert len(rows) == 1 + 3 + 2 + 1 + 2 + 1  # decode, 3 chunk sizes, 2 frozen, ..., extrap.
    decode = rows[0].split(' | ')
    assert decode[2] == '16'  # clips M: the clips, not the packed static groups
    assert decode[5:9] == ['1.0', '1.5', '-', '- |']  # fastest, median; no cold decoding
    assert rows[1].split(' | ')[5:9] == ['1.0', '1.5', '2.0', '19800 |']  # + first call
    extrapolated = rows[-1].split(' | ')
    # through M=2 (2 s, 8600 MB) and M=4 (4 s, 10200 MB) to M=16: 16 s, 24 s median, 19800 MB
    assert extrapolated[5:9] == ['~16', '~24', '-', '~19800 |'], extrapolated
    text = '\n'.join(lines)
    assert 'each clip adds 800 MB' in text and 'is ~7000 MB' in text
    assert 'A second video adds 500 MB' in text
    assert 'of which 184 MB is its fp32 input' in text  # 20 x 3 x 16 x 224 x 224 floats
    assert 'Machine: ' in text and '3 rounds' in text
    # floor: 900 GMACs = 1800 GFLOP at 100 GFLOP/s = 18 s; inference took 1 s
    assert 'a floor of 18.0 s' in text and 'took 0.06x' in text
    asked.clear()
    quick = run.long_video_section('cpu', 100e9, quick=True)
    (specs, rounds), = asked
    assert rounds == 1 and ('frozen', 2) not in specs
    assert sorted(k[1] for k in specs if isinstance(k, tuple) and k[0] == 'infer') == [
        2, 8]
    assert not any(line.startswith('A second video') for line in quick)
