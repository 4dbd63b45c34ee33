"""Backbone speed and memory, next to peers and the FLOP floor; writes benchmarks/RESULTS.md.

    python benchmarks/run.py [--quick] [--device cpu|cuda] [--out benchmarks/RESULTS.md]

In one run: the machine's matrix-multiply rate (the floor's denominator), then for
UniFormer-S (global, h14), UniFormer-B h14, the line-by-line reference of S-h14
(benchmarks/reference_uniformer.py), MMDetection's ResNet-50 and Swin-T, at 224x224 and a
detection size (800x1216): forward latency, training-step time (forward + backward), peak
memory and FLOPs. Every measurement runs in a fresh subprocess so peak memory is its own.

The video section (``--only video`` re-measures just that section of RESULTS.md) compares the
video UniFormer-S with MMAction2's own port of it on one 16x224x224 clip: forward, training
step, peak memory, FLOP floor. The two differ slightly in numerics (LayerNorm eps, inflation
rule), not in shapes or FLOPs, so their speeds compare like for like.
"""
import argparse
import datetime
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

MODELS = ['uniformer_s', 'uniformer_s_h14', 'uniformer_b_h14', 'reference_s_h14',
          'resnet50', 'swin_t']
SIZES = [(224, 224), (800, 1216)]
# UniFormer-S h14 forward at 800x1216 as the issue asks it to work: eager, with a
# channels_last input, under torch.compile (its first call, which compiles, is not timed).
EXECUTION = {'eager': {}, 'channels_last input': dict(channels_last=True),
             'torch.compile': dict(compile=True)}
# Video: ours against MMAction2's port (same architecture and FLOPs) on one clip.
VIDEO_MODELS = ['uniformer_video_s', 'mmaction_uniformer_s']
VIDEO_CLIP = (16, 224, 224)
VIDEO_SECTION = '## Video backbone'
CHECKPOINTING = {'none': {}, 'stage-3 (0,0,8,0)': dict(checkpoint_num=(0, 0, 8, 0)),
                 'every block': dict(with_cp=True)}


def build(name, **options):
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(HERE))
    if name == 'mmaction_uniformer_s':
        import uniformer_dense  # noqa: F401  (makes mmaction.models importable, see compat)
        from mmaction.models.backbones.uniformer import UniFormer as MMActionUniFormer
        return MMActionUniFormer(depth=[3, 4, 8, 3], embed_dim=[64, 128, 320, 512], head_dim=64,
                                 pretrained2d=False, **options)
    if name.startswith('uniformer'):
        from uniformer_dense.models import create_backbone
        model = create_backbone(name, **options)
        model.init_weights()
        return model
    if name == 'reference_s_h14':
        from reference_uniformer import ReferenceUniFormer
        from uniformer_dense.models import create_backbone
        return ReferenceUniFormer(create_backbone('uniformer_s_h14'))
    from mmdet.models.backbones import ResNet, SwinTransformer
    if name == 'resnet50':
        return ResNet(depth=50, out_indices=(0, 1, 2, 3))
    if name == 'swin_t':
        return SwinTransformer(embed_dims=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24),
                               window_size=7, out_indices=(0, 1, 2, 3))
    raise KeyError(name)


def _sync(device):
    import torch
    if device == 'cuda':
        torch.cuda.synchronize()


def measure_one(name, h, w, mode, device, repeats, options):
    """Runs inside a fresh process: one model, one size, 'forward' or 'train'."""
    import torch
    torch.manual_seed(0)
    options = dict(options)
    compiled, channels_last = options.pop('compile', False), options.pop('channels_last', False)
    frames = options.pop('frames', None)
    model = build(name, **options).to(device)
    x = torch.randn(1, 3, *((frames,) if frames else ()), h, w, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    run_model = torch.compile(model) if compiled else model  # compiles in the warm-up run
    dtype = torch.bfloat16 if mode.endswith('bf16') else None
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(repeats + 1):
        _sync(device)
        start = time.perf_counter()
        with torch.autocast(device, dtype=dtype, enabled=dtype is not None):
            if mode.startswith('forward'):
                model.eval()
                with torch.no_grad():
                    run_model(x)
            else:
                model.train()
                outs = run_model(x)
                outs = outs if isinstance(outs, (tuple, list)) else (outs,)
                sum(o.float().mean() for o in outs).backward()
                model.zero_grad(set_to_none=True)
        _sync(device)
        if i:
            times.append(1000 * (time.perf_counter() - start))
    if device == 'cuda':
        peak = torch.cuda.max_memory_allocated() / 2 ** 20
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    result = dict(ms=statistics.median(times), peak_mb=peak)
    if mode == 'forward' and not compiled:
        from uniformer_dense.analysis import flop_counter
        model.eval()
        with torch.inference_mode(), flop_counter() as counter:
            model(x)
        result['flops'] = counter.get_total_flops()  # 2 per multiply-accumulate
    return result


def matmul_rate(device, n=2048, repeats=30):
    """Best sustained fp32 matrix-multiply rate, FLOP/s (2 n^3 per product)."""
    import torch
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = float('inf')
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best


def in_subprocess(name, h, w, mode, device, repeats, options=None):
    args = json.dumps([name, h, w, mode, device, repeats, options or {}])
    proc = subprocess.run([sys.executable, __file__, '--one', args], capture_output=True,
                          text=True)
    if proc.returncode:
        raise RuntimeError(f'{name} {h}x{w} {mode} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def versions():
    import torch
    import mmdet
    import mmengine
    return f'torch {torch.__version__}, mmengine {mmengine.__version__}, mmdet {mmdet.__version__}'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--one', help=argparse.SUPPRESS)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--quick', action='store_true', help='fewer repeats')
    parser.add_argument('--out', default=str(HERE / 'RESULTS.md'))
    parser.add_argument('--only', choices=['video'],
                        help='re-measure one section and replace it in --out')
    args = parser.parse_args(argv)
    if args.one:
        name, h, w, mode, device, repeats, options = json.loads(args.one)
        print(json.dumps(measure_one(name, h, w, mode, device, repeats, options)))
        return
    import torch
    device = args.device
    rate = matmul_rate(device)
    if args.only == 'video':
        out = Path(args.out)
        kept = out.read_text().split('\n' + VIDEO_SECTION)[0].rstrip('\n') if out.exists() else ''
        section = video_section(device, rate, args.quick)
        out.write_text(kept + '\n\n' + '\n'.join(section) + '\n')
        print('\n'.join(section))
        return
    modes = ['forward', 'train'] + (['forward_bf16'] if device == 'cuda' else [])
    rows = []
    for h, w in SIZES:
        repeats = (2 if args.quick else 3) if h > 224 else (5 if args.quick else 10)
        for name in MODELS:
            res = {m: in_subprocess(name, h, w, m, device, repeats) for m in modes}
            rows.append((name, h, w, res))
            print(name, h, w, json.dumps(res), flush=True)
    def option_rows(table, mode, repeats):
        """UniFormer-S h14 at 800x1216 under each of ``table``'s options."""
        out = []
        for label, options in table.items():
            res = in_subprocess('uniformer_s_h14', 800, 1216, mode, device, repeats, options)
            out.append((label, res))
            print(mode, label, json.dumps(res), flush=True)
        return out

    cp_rows = option_rows(CHECKPOINTING, 'train', 2 if args.quick else 3)
    exec_rows = option_rows(EXECUTION, 'forward', 3 if args.quick else 5)

    by_key = {(name, h): res for name, h, w, res in rows}
    cpu = platform.processor() or platform.machine()
    lines = [
        '# Backbone benchmark', '',
        f'Machine: {device}, {cpu}, {torch.get_num_threads()} threads; {versions()}; '
        f'{datetime.date.today().isoformat()}. Produced by `python benchmarks/run.py`'
        f'{" --quick" if args.quick else ""}.', '',
        f'Measured matrix-multiply rate (fp32, 2048^3): {rate / 1e9:.1f} GFLOP/s. '
        'The FLOP floor of a model is its forward FLOPs (2 per multiply-accumulate, '
        '`torch.utils.flop_counter` plus the CPU fused-attention kernel, see '
        '`uniformer_dense.analysis.flop_counter`) divided by that rate; "x floor" is '
        'latency / floor, against the UniFormer-S h14 FLOPs for its reference.', '',
        '| backbone | input | GMACs | forward ms | x floor | train step ms | '
        'peak MB fwd | peak MB train |',
        '|---|---|---|---|---|---|---|---|']
    for name, h, w, res in rows:
        f, t = res['forward'], res['train']
        if name == 'reference_s_h14':  # same model: the same floor as the package's S-h14
            f = dict(f, flops=by_key[('uniformer_s_h14', h)]['forward']['flops'])
        floor_ms = 1000 * f['flops'] / rate
        lines.append(f'| {name} | {h}x{w} | {f["flops"] / 2e9:.1f} | {f["ms"]:.0f} | '
                     f'{f["ms"] / floor_ms:.2f} | {t["ms"]:.0f} | {f["peak_mb"]:.0f} | '
                     f'{t["peak_mb"]:.0f} |')
    if device == 'cuda':
        lines += ['', '| backbone | input | forward ms fp32 | forward ms bf16 autocast |',
                  '|---|---|---|---|']
        for name, h, w, res in rows:
            lines.append(f'| {name} | {h}x{w} | {res["forward"]["ms"]:.1f} | '
                         f'{res["forward_bf16"]["ms"]:.1f} |')
    ours = by_key[('uniformer_s_h14', 800)]['forward']
    ref = by_key[('reference_s_h14', 800)]['forward']
    lines += ['', f'UniFormer-S h14 forward at 800x1216: {ours["ms"]:.0f} ms against '
              f'{ref["ms"]:.0f} ms for the line-by-line reference: '
              f'**{ref["ms"] / ours["ms"]:.2f}x** faster; '
              f'{ours["ms"] / (1000 * ours["flops"] / rate):.2f}x its FLOP floor.', '',
              '## Gradient checkpointing, UniFormer-S h14 training step at 800x1216', '',
              '| checkpointing | step ms | peak MB | peak vs none |', '|---|---|---|---|']
    base = cp_rows[0][1]['peak_mb']
    for label, res in cp_rows:
        lines.append(f'| {label} | {res["ms"]:.0f} | {res["peak_mb"]:.0f} | '
                     f'{res["peak_mb"] / base:.2f} |')
    lines += ['', '## Execution modes, UniFormer-S h14 forward at 800x1216', '',
              '| mode | forward ms | vs eager |', '|---|---|---|']
    for label, res in exec_rows:
        lines.append(f'| {label} | {res["ms"]:.0f} | {exec_rows[0][1]["ms"] / res["ms"]:.2f}x |')
    lines += [''] + video_section(device, rate, args.quick)
    Path(args.out).write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))


def video_section(device, rate, quick):
    """Video UniFormer-S against MMAction2's port: forward, training step, memory, floor."""
    t, h, w = VIDEO_CLIP
    repeats = 3 if quick else 8  # this VM's speed drifts: medians of several runs
    res = {}
    for name in VIDEO_MODELS:
        res[name] = {m: in_subprocess(name, h, w, m, device, repeats, dict(frames=t))
                     for m in ('forward', 'train')}
        print(name, json.dumps(res[name]), flush=True)
    lines = [VIDEO_SECTION, '',
             f'One clip of {t}x{h}x{w} (batch 1), same machine; matrix-multiply rate measured '
             f'in this run {rate / 1e9:.1f} GFLOP/s. "x floor" as above; the training step is '
             'forward + backward of the mean output. MMAction2\'s port runs its own code '
             '(`mmaction.models.backbones.uniformer`), random weights in both.', '',
             '| backbone | GMACs | forward ms | x floor | train step ms | peak MB fwd | '
             'peak MB train |', '|---|---|---|---|---|---|---|']
    for name in VIDEO_MODELS:
        f, tr = res[name]['forward'], res[name]['train']
        lines.append(f'| {name} | {f["flops"] / 2e9:.1f} | {f["ms"]:.0f} | '
                     f'{f["ms"] / (1000 * f["flops"] / rate):.2f} | {tr["ms"]:.0f} | '
                     f'{f["peak_mb"]:.0f} | {tr["peak_mb"]:.0f} |')
    ours, port = res['uniformer_video_s'], res['mmaction_uniformer_s']
    lines += ['', f'Video UniFormer-S against MMAction2\'s port: forward '
              f'**{port["forward"]["ms"] / ours["forward"]["ms"]:.2f}x** faster, training step '
              f'**{port["train"]["ms"] / ours["train"]["ms"]:.2f}x**.']
    return lines


if __name__ == '__main__':
    main()
