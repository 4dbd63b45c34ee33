"""Backbone speed and memory, next to peers and the FLOP floor; writes benchmarks/RESULTS.md.

    python benchmarks/run.py [--quick] [--device cpu|cuda] [--out benchmarks/RESULTS.md]

In one run: the machine's matrix-multiply rate (the floor's denominator), then for
UniFormer-S (global, h14), UniFormer-B h14, the line-by-line reference of S-h14
(benchmarks/reference_uniformer.py), MMDetection's ResNet-50 and Swin-T, at 224x224 and a
detection size (800x1216): forward latency, training-step time (forward + backward), peak
memory and multiply-accumulates. Every measurement runs in a fresh subprocess so peak memory
is its own. ``--only backbone`` re-measures just that part of RESULTS.md (the tables above the
video section).

Units: ``macs`` and the GMACs columns are multiply-accumulates; the matrix-multiply rate
(GFLOP/s) and the FLOP floor are true FLOPs, two per multiply-accumulate (:func:`floor_ms`).
``tools/benchmark.py``'s ``flops`` are MACs too (what the papers call FLOPs; the key its
``--json`` output has always had).

The video section (``--only video`` re-measures just that section of RESULTS.md) compares the
video UniFormer-S with MMAction2's own port of it on one 16x224x224 clip: forward, training
step, peak memory, FLOP floor. The two differ slightly in numerics (LayerNorm eps, inflation
rule), not in shapes or FLOPs, so their speeds compare like for like.

The long-video section (``--only long_video``) measures STAN with UniFormer-S backbones
(configs/long_video/stan_uniformer_s_frozen.py and ..._finetune.py, random weights) on a
2-minute 30 fps 224x224 video generated once into the temp directory: decoding and sampling
through the config's test pipeline, inference, and training steps with frozen backbones,
with checkpointed fine-tuning and (fewer clips, extrapolated) with fine-tuning without
checkpointing. ``--only`` replaces just its own section of --out and keeps the rest.

The whole-model section (``--only models``) runs ``tools/benchmark.py`` on Mask R-CNN
UniFormer-S h14 at 800x1280 and UperNet UniFormer-S at 512x512 next to MMDetection's and
MMSegmentation's own Swin-T configs of the same models (``mmdet::``/``mmseg::`` paths), each in
its own process: inference latency of the model's tensor forward (backbone, neck, heads; for
Mask R-CNN the RPN's proposals and the box and mask heads on them), MACs, peak memory.
"""
import argparse
import copy
import datetime
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The package, and reference_uniformer.py beside this file. The measuring functions import
# them inside: a measuring process loads only what its model needs.
sys.path[:0] = [str(REPO), str(HERE)]

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
BACKBONE_SECTION = '# Backbone benchmark'
VIDEO_SECTION = '## Video backbone'
LONG_VIDEO_SECTION = '## Long videos (STAN)'
MODELS_SECTION = '## Whole models (`tools/benchmark.py`)'
# Each section's heading, in the order a full run writes them (``--only`` re-measures one).
SECTIONS = {'backbone': BACKBONE_SECTION, 'models': MODELS_SECTION, 'video': VIDEO_SECTION,
            'long_video': LONG_VIDEO_SECTION}
# (label, config, input H W): ours next to the toolbox's own Swin-T model of the same kind
WHOLE_MODELS = [
    ('Mask R-CNN UniFormer-S h14', 'configs/det/mask_rcnn_uniformer_s.py', (800, 1280)),
    ('Mask R-CNN Swin-T (MMDetection)', 'mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py',
     (800, 1280)),
    ('UperNet UniFormer-S', 'configs/seg/upernet_uniformer_s_global.py', (512, 512)),
    ('UperNet Swin-T (MMSegmentation)',
     'mmseg::swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py',
     (512, 512)),
]
# STAN (UniFormer-S backbones) on a 2-minute 30 fps video at 224 px.
STAN_FROZEN = 'configs/long_video/stan_uniformer_s_frozen.py'
STAN_FINETUNE = 'configs/long_video/stan_uniformer_s_finetune.py'
LONG_VIDEO = dict(seconds=120, fps=30, size=224)
STAN_CHUNKS = (2, 16)  # inference at other chunk sizes than the config's (8)
STAN_FEW_CLIPS = (2, 4)  # fine-tuning without checkpointing: measured at these M only
CHECKPOINTING = {'none': {}, 'stage-3 (0,0,8,0)': dict(checkpoint_num=(0, 0, 8, 0)),
                 'every block': dict(with_cp=True)}


def build(name, **options):
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


def floor_ms(macs, rate):
    """The FLOP floor of a forward of ``macs`` multiply-accumulates, in ms: its true FLOPs
    (two per multiply-accumulate) at the measured matrix-multiply ``rate`` (FLOP/s)."""
    return 1000 * 2 * macs / rate


def measure_one(name, h, w, mode, device, repeats, options):
    """Runs inside a fresh process: one model, one size, 'forward' or 'train'. Returns the
    median ``ms``, ``peak_mb`` and, for an eager fp32 forward, its ``macs``."""
    import torch

    from uniformer_dense.analysis import call_macs, time_calls
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

    def step():
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

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times, _ = time_calls(step, repeats, device=device)
    if device == 'cuda':
        peak = torch.cuda.max_memory_allocated() / 2 ** 20
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    result = dict(ms=statistics.median(times), peak_mb=peak)
    if mode == 'forward' and not compiled:
        model.eval()
        result['macs'] = call_macs(model, x)
    return result


def in_subprocess(name, h, w, mode, device, repeats, options=None):
    args = json.dumps([name, h, w, mode, device, repeats, options or {}])
    proc = subprocess.run([sys.executable, __file__, '--one', args], capture_output=True,
                          text=True)
    if proc.returncode:
        raise RuntimeError(f'{name} {h}x{w} {mode} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def long_video_path():
    """The benchmark's 2-minute 30 fps 224x224 video (3600 frames), generated once into the
    temp directory: moving shapes over a drifting gradient with a little noise (MPEG-4 part
    2, the codec OpenCV's pip build writes), deterministic."""
    seconds, fps, size = LONG_VIDEO['seconds'], LONG_VIDEO['fps'], LONG_VIDEO['size']
    folder = Path(tempfile.gettempdir()) / 'uniformer_dense_benchmark'
    path = folder / f'long_video_{seconds}s_{fps}fps_{size}px.mp4'
    if path.is_file():
        return path
    import cv2
    import numpy as np
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    n = seconds * fps
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    shapes = rng.uniform(0, 1, (6, 7))  # x0, y0, vx, vy, b, g, r
    part = path.with_suffix(f'.{os.getpid()}.mp4')
    writer = cv2.VideoWriter(str(part), cv2.VideoWriter_fourcc(*'mp4v'), fps, (size, size))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {part} (mp4v)')
    for i in range(n):
        t = i / fps
        phase = 2 * np.pi * t / 20  # the scene drifts over 20 s
        base = np.stack([xx * np.cos(phase) + yy * np.sin(phase),
                         yy * np.cos(phase / 2) + 0.5 * xx,
                         0.5 + 0.5 * np.sin(6 * xx + phase)], -1)
        frame = (80 + 120 * base / max(base.max(), 1e-6)).astype(np.uint8)
        for x0, y0, vx, vy, *colour in shapes:
            cx = int(size * (0.5 + 0.4 * np.sin(2 * np.pi * (x0 + 0.05 * vx * t))))
            cy = int(size * (0.5 + 0.4 * np.cos(2 * np.pi * (y0 + 0.05 * vy * t))))
            cv2.circle(frame, (cx, cy), 12 + int(20 * x0), [int(255 * c) for c in colour], -1)
        noise = rng.integers(-6, 7, frame.shape, dtype=np.int16)
        writer.write(np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8))
    writer.release()
    frames = int(cv2.VideoCapture(str(part)).get(cv2.CAP_PROP_FRAME_COUNT))
    if frames != n:
        part.unlink()
        raise RuntimeError(f'generated {frames} frames instead of {n} in {part}')
    part.replace(path)
    return path


def _stan_pipeline(cfg, num_clips=None):
    from mmengine.dataset import Compose
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    for t in pipeline:
        if t['type'] == 'SampleLongVideo' and num_clips:
            t['num_clips'] = num_clips
    return Compose(pipeline)


def set_static_frames(cfg, static_frames: int) -> None:
    """The config's test sampling with ``static_frames`` whole-video static frames (0: the
    image backbone sees frames inside the clips)."""
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'] == 'SampleLongVideo':
            t['static_frames'] = static_frames


def measure_stan(spec):
    """Runs inside a fresh process: one STAN measurement. ``spec``: config, mode ('decode',
    'infer', 'train' or 'macs'), device, video, repeats, warmup, and optionally num_clips
    (M), static_frames (the sampler's whole-video static frames), chunk_size, batch
    (videos), checkpoint (False: fine-tuning without gradient checkpointing)."""
    import torch
    torch.manual_seed(0)
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from uniformer_dense.analysis import (build_model, count_params, dummy_batch,
                                          long_video_sampling, meta_macs, time_calls)
    from uniformer_dense.harness import load_config
    cfg = load_config(str(REPO / spec['config']))
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    device, mode = spec['device'], spec['mode']
    if spec.get('chunk_size'):
        cfg.model.chunk_size = spec['chunk_size']
    if spec.get('static_frames') is not None:
        set_static_frames(cfg, spec['static_frames'])
    if mode == 'macs':  # one whole video (the config's M clips), one forward
        model = build_model(cfg, init=False).eval()
        macs = meta_macs(model, 'action', *dummy_batch(cfg, (LONG_VIDEO['size'],) * 2))
        return dict(long_video_sampling(cfg), macs=macs, chunk_size=cfg.model.chunk_size,
                    static_frames_per_clip=cfg.model.static_frames_per_clip)
    pipeline = _stan_pipeline(cfg, spec.get('num_clips'))
    info = dict(filename=spec['video'], label=0, start_index=0, modality='RGB')

    def timed(step):  # median ms of the spec's repeats after its warm-up runs, last output
        times, out = time_calls(step, spec['repeats'], spec['warmup'], device)
        return statistics.median(times), out

    if mode == 'decode':
        ms, sample = timed(lambda: pipeline(dict(info)))
        return dict(ms=ms, shape=list(sample['inputs'].shape),
                    total_frames=int(sample['data_samples'].metainfo['total_frames']))
    sample = pipeline(dict(info))
    data = pseudo_collate([sample] * spec.get('batch', 1))
    model = build_model(cfg, init=False).to(device)
    params = count_params(model)
    if mode == 'train':
        from mmengine.optim import build_optim_wrapper
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        # STAN's with_cp=False: the same chunks, every activation kept
        model.with_cp = spec.get('checkpoint', True)
        model.train()
        step = lambda: model.train_step(data, optim_wrapper)  # noqa: E731
    else:
        model.eval()

        def step():
            with torch.no_grad():  # as MMEngine's test loop runs it
                return model.test_step(data)
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated() / 2 ** 20
    else:
        base = sum(t.numel() * t.element_size()
                   for t in list(model.parameters()) + list(model.buffers())) / 2 ** 20
    ms, _ = timed(step)
    if device == 'cuda':
        peak = torch.cuda.max_memory_allocated() / 2 ** 20
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    return dict(ms=ms, peak_mb=peak, base_mb=base, params=params,
                trainable=sum(p.numel() for p in model.parameters() if p.requires_grad),
                shape=list(data['inputs'][0].shape), batch=len(data['inputs']))


def stan_in_subprocess(**spec):
    proc = subprocess.run([sys.executable, __file__, '--stan', json.dumps(spec)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f'STAN {spec} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def replace_section(text, heading, lines):
    """``text`` with its section under the line ``heading`` replaced by ``lines``, or with
    ``lines`` appended where it has none; all other sections kept as they are. A section
    runs up to the next ``## `` heading that is not one of its own (the headings ``lines``
    holds: the backbone section has its checkpointing and execution-mode tables) or the end."""
    doc = text.rstrip('\n').split('\n') if text.strip() else []
    own = {line for line in lines if line.startswith('#')}
    if heading in doc:
        start = doc.index(heading)
        end = next((i for i in range(start + 1, len(doc))
                    if doc[i].startswith('## ') and doc[i] not in own), len(doc))
        doc = doc[:start] + list(lines) + ([''] + doc[end:] if end < len(doc) else [])
    else:
        doc = doc + ([''] if doc else []) + list(lines)
    return '\n'.join(doc) + '\n'


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
    parser.add_argument('--only', choices=sorted(SECTIONS),
                        help='re-measure one section and replace it in --out (the rest kept)')
    parser.add_argument('--stan', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        name, h, w, mode, device, repeats, options = json.loads(args.one)
        print(json.dumps(measure_one(name, h, w, mode, device, repeats, options)))
        return
    if args.stan:
        print(json.dumps(measure_stan(json.loads(args.stan))))
        return
    from uniformer_dense.analysis import matmul_rate
    device = args.device
    rate = matmul_rate(device)  # fp32, 2048^3, the fastest of 30
    make = dict(backbone=backbone_section, models=models_section, video=video_section,
                long_video=long_video_section)
    out = Path(args.out)
    if args.only:
        section = make[args.only](device, rate, args.quick)
        out.write_text(replace_section(out.read_text() if out.exists() else '',
                                       SECTIONS[args.only], section))
        print('\n'.join(section))
        return
    lines = []
    for name in SECTIONS:
        lines += ([''] if lines else []) + make[name](device, rate, args.quick)
    out.write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))


def backbone_section(device, rate, quick):
    """The backbones at 224x224 and 800x1216 (forward, training step, peak memory, MACs and
    the FLOP floor; bf16 autocast on CUDA), then UniFormer-S h14's gradient checkpointing
    and execution modes at 800x1216: everything above the whole-model section."""
    import torch
    modes = ['forward', 'train'] + (['forward_bf16'] if device == 'cuda' else [])
    rows = []
    for h, w in SIZES:
        repeats = (2 if quick else 3) if h > 224 else (5 if quick else 10)
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

    cp_rows = option_rows(CHECKPOINTING, 'train', 2 if quick else 3)
    exec_rows = option_rows(EXECUTION, 'forward', 3 if quick else 5)

    by_key = {(name, h): res for name, h, w, res in rows}
    cpu = platform.processor() or platform.machine()
    lines = [
        BACKBONE_SECTION, '',
        f'Machine: {device}, {cpu}, {torch.get_num_threads()} threads; {versions()}; '
        f'{datetime.date.today().isoformat()}. Produced by `python benchmarks/run.py`'
        f'{" --quick" if quick else ""}.', '',
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
            f = dict(f, macs=by_key[('uniformer_s_h14', h)]['forward']['macs'])
        lines.append(f'| {name} | {h}x{w} | {f["macs"] / 1e9:.1f} | {f["ms"]:.0f} | '
                     f'{f["ms"] / floor_ms(f["macs"], rate):.2f} | {t["ms"]:.0f} | '
                     f'{f["peak_mb"]:.0f} | {t["peak_mb"]:.0f} |')
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
              f'{ours["ms"] / floor_ms(ours["macs"], rate):.2f}x its FLOP floor.', '',
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
    return lines


def models_section(device, rate, quick):
    """Whole detection and segmentation models, ours next to the toolboxes' Swin-T ones.

    The models take turns: ``rounds`` rounds, each running every model once (a process
    each), and each model's row is its fastest round, so load that comes and goes on a
    shared machine touches all of them alike (one process after the other, the same two
    UperNets, whose heads are the same code, once differed by 6%)."""
    repeats, rounds = (2, 1) if quick else (5, 3)
    lines = [MODELS_SECTION, '',
             f'`tools/benchmark.py CONFIG --shape H W --repeats {repeats} --device {device}`, '
             f'one process per model and run, the models taking turns for {rounds} rounds on '
             f'the same machine; matrix-multiply rate {rate / 1e9:.1f} GFLOP/s. Latency: the '
             f'fastest round\'s median of the runs after a warm-up, one image, '
             'the model\'s tensor forward (for Mask R-CNN: backbone, FPN, RPN with its '
             'proposals, box and mask heads on them; no resizing or pasting). Random weights.',
             '', '| model | config | input | params M | GMACs | latency ms | x floor | peak MB |',
             '|---|---|---|---|---|---|---|---|']
    best = {}
    for _ in range(rounds):
        for label, config, (h, w) in WHOLE_MODELS:
            proc = subprocess.run([sys.executable, str(REPO / 'tools' / 'benchmark.py'), config,
                                   '--json', '--shape', str(h), str(w), '--repeats',
                                   str(repeats), '--device', device],
                                  capture_output=True, text=True, cwd=REPO)
            if proc.returncode:
                raise RuntimeError(f'{config} failed:\n{proc.stderr[-3000:]}')
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            print(label, json.dumps(res), flush=True)
            if label not in best or res['latency_ms'] < best[label]['latency_ms']:
                best[label] = res
    for label, config, (h, w) in WHOLE_MODELS:
        res = best[label]
        macs = res['flops']  # tools/benchmark.py's flops: the papers' FLOPs, i.e. MACs
        lines.append(f'| {label} | `{config}` | {h}x{w} | {res["params"] / 1e6:.1f} | '
                     f'{macs / 1e9:.0f} | {res["latency_ms"]:.0f} | '
                     f'{res["latency_ms"] / floor_ms(macs, rate):.2f} | {res["peak_mem_mb"]:.0f} |')
    return lines


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
        lines.append(f'| {name} | {f["macs"] / 1e9:.1f} | {f["ms"]:.0f} | '
                     f'{f["ms"] / floor_ms(f["macs"], rate):.2f} | {tr["ms"]:.0f} | '
                     f'{f["peak_mb"]:.0f} | {tr["peak_mb"]:.0f} |')
    ours, port = res['uniformer_video_s'], res['mmaction_uniformer_s']
    lines += ['', f'Video UniFormer-S against MMAction2\'s port: forward '
              f'**{port["forward"]["ms"] / ours["forward"]["ms"]:.2f}x** faster, training step '
              f'**{port["train"]["ms"] / ours["train"]["ms"]:.2f}x**.']
    return lines


def long_video_section(device, rate, quick):
    """STAN with UniFormer-S backbones on a 2-minute 30 fps 224x224 video: decoding, inference
    (three chunk sizes), training steps with frozen, checkpointed and (extrapolated) plain
    fine-tuned backbones. Each step takes seconds to minutes on a CPU: one timed run each,
    no warm-up run (first-call overheads are small next to a step). ``quick``: one other
    chunk size, no two-video batch."""
    video = str(long_video_path())
    run = dict(device=device, video=video, repeats=1, warmup=0)

    def stan(name, **spec):
        res = stan_in_subprocess(**dict(run, **spec))
        print(name, json.dumps(res), flush=True)
        return res

    decode = stan('decode', config=STAN_FROZEN, mode='decode', repeats=3, warmup=1)
    info = stan('macs', config=STAN_FROZEN, mode='macs')
    macs, chunk, per_clip = info['macs'], info['chunk_size'], info['static_frames_per_clip']
    infer = {chunk: stan(f'infer chunk {chunk}', config=STAN_FROZEN, mode='infer')}
    for other in STAN_CHUNKS[:1] if quick else STAN_CHUNKS:
        infer[other] = stan(f'infer chunk {other}', config=STAN_FROZEN, mode='infer',
                            chunk_size=other)
    frozen = {1: stan('train frozen', config=STAN_FROZEN, mode='train')}
    if not quick:
        frozen[2] = stan('train frozen, 2 videos', config=STAN_FROZEN, mode='train', batch=2)
    tuned = stan('train fine-tune checkpointed', config=STAN_FINETUNE, mode='train')
    plain = {m: stan(f'train fine-tune no checkpointing, M={m}', config=STAN_FINETUNE,
                     mode='train', checkpoint=False, num_clips=m) for m in STAN_FEW_CLIPS}
    m_clips, _, clip_len, h, w = infer[chunk]['shape']
    (m1, r1), (m2, r2) = sorted(plain.items())[:2]

    def extrapolate(key):  # linear in the clips per video, through the two measured points
        return r2[key] + (r2[key] - r1[key]) * (m_clips - m2) / (m2 - m1)

    def row(step, config, m, videos, chunk_size, res):
        return (f'| {step} | {config} | {m} | {videos} | {chunk_size} | '
                f'{res["ms"] / 1000:.1f} | {res["peak_mb"]:.0f} |')

    ref = infer[chunk]
    if device == 'cuda':
        peak = '`torch.cuda.max_memory_allocated` (weights included).'
    else:
        peak = (f'growth of the process\'s peak resident set during the step (fp32; the '
                f'weights, loaded before, are not in it: {ref["base_mb"]:.0f} MB for all '
                f'{ref["params"] / 1e6:.1f}M parameters).')
    lines = [
        LONG_VIDEO_SECTION, '',
        f'STAN with UniFormer-S backbones (random weights: the same shapes and cost as the '
        f'pretrained ones) on one video of {LONG_VIDEO["seconds"] // 60} minutes at '
        f'{LONG_VIDEO["fps"]} fps, {LONG_VIDEO["size"]}x{LONG_VIDEO["size"]} '
        f'({decode["total_frames"]} frames; generated, MPEG-4 part 2), read through the test '
        f'pipeline of `{STAN_FROZEN}` (SampleLongVideo: {m_clips} clips x {clip_len} frames, '
        f'one every {info["frame_interval"]}: {m_clips * clip_len} decoded frames, '
        f'{info["static_frames"]} of them also seen by the image backbone), batch of one '
        f'video unless said. Same machine, {device}; matrix-multiply rate in this run '
        f'{rate / 1e9:.1f} GFLOP/s. One run per row, each in a fresh process '
        f'(`python benchmarks/run.py --only long_video` re-measures this section). '
        f'Peak MB: {peak} Training steps are MMEngine\'s `train_step` (forward, loss, '
        f'backward, gradient clipping, the config\'s AdamW step) on the test-pipeline sample; '
        f'"fine-tuned, no checkpointing" runs the same chunks with every activation kept.', '',
        '| step | config | clips M | videos | chunk | time s | peak MB |',
        '|---|---|---|---|---|---|---|',
        f'| decode + sample (test pipeline, median of 3) | frozen | {m_clips} | 1 | - | '
        f'{decode["ms"] / 1000:.1f} | - |']
    for size, res in sorted(infer.items()):
        config = 'frozen' if size == chunk else f'frozen, chunk_size={size}'
        lines.append(row('inference (`test_step`)', config, m_clips, 1, size, res))
    for videos, res in sorted(frozen.items()):
        lines.append(row(f'training step, frozen backbones ({res["trainable"] / 1e6:.1f}M '
                         f'trained)', 'frozen', m_clips, videos, chunk, res))
    lines.append(row(f'training step, fine-tuned, checkpointed per chunk '
                     f'({tuned["trainable"] / 1e6:.1f}M trained)', 'finetune', m_clips, 1,
                     chunk, tuned))
    for m, res in sorted(plain.items()):
        lines.append(row('training step, fine-tuned, no checkpointing (measured)', 'finetune',
                         m, 1, chunk, res))
    lines.append(f'| training step, fine-tuned, no checkpointing (**extrapolated** linearly '
                 f'from M={m1}, {m2}; not run) | finetune | {m_clips} | 1 | {chunk} | '
                 f'~{extrapolate("ms") / 1000:.0f} | ~{extrapolate("peak_mb"):.0f} |')
    floor = floor_ms(macs, rate) / 1000  # seconds
    per_clip_mb = (r2['peak_mb'] - r1['peak_mb']) / (m2 - m1)
    lines += ['', f'One video costs {macs / 1e9:.0f} GMACs forward (both backbones and the '
              f'transformer, `uniformer_dense.analysis.meta_macs`): a floor of {floor:.1f} s '
              f'at the measured rate; inference took {ref["ms"] / 1000 / floor:.1f}x that.',
              '', 'Chunk size, inference peak: ' + ', '.join(
                  f'{size} -> {res["peak_mb"]:.0f} MB' for size, res in sorted(infer.items()))
              + ' (the activations of one chunk are held at a time).']
    if 2 in frozen:
        grown = frozen[2]['peak_mb'] - frozen[1]['peak_mb']
        lines.append('')
        lines.append(f'A second video adds {grown:.0f} MB to the frozen training step (its '
                     f'clips as the fp32 input; chunks run over all clips of the batch, so the '
                     f'activations held for one chunk do not grow with it).')
    lines.append('')
    lines.append(f'Gradient checkpointing per chunk: {tuned["peak_mb"]:.0f} MB against '
                 f'~{extrapolate("peak_mb"):.0f} MB (extrapolated) without, '
                 f'{extrapolate("peak_mb") / tuned["peak_mb"]:.1f}x less, for a step '
                 f'{tuned["ms"] / extrapolate("ms"):.1f}x as long. Without it each clip adds '
                 f'{per_clip_mb:.0f} MB (its activations and those of its {per_clip} frames); '
                 f'with it the backward pass holds those of one chunk, about '
                 f'{chunk} x {per_clip_mb:.0f} MB.')
    return lines


if __name__ == '__main__':
    main()
