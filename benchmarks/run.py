"""Backbone speed and memory, next to peers and the FLOP floor; writes benchmarks/RESULTS.md.

    python benchmarks/run.py [--quick] [--device cpu|cuda] [--out benchmarks/RESULTS.md]
                             [--only backbone|models|video|long_video] [--authors PATH]

In one run: the machine's matrix-multiply rate (the floor's denominator), then for
UniFormer-S (global, h14), UniFormer-B h14, the line-by-line reference of S-h14
(benchmarks/reference_uniformer.py), MMDetection's ResNet-50 and Swin-T, at 224x224 and a
detection size (800x1216): forward latency, training-step time (forward + backward), peak
memory and multiply-accumulates. ``--only backbone`` re-measures just that part of RESULTS.md
(the tables above the video section).

One method times the backbone, video, long-video and whole-model tables (and
benchmarks/throughput.py, train_step.py, long_video_sampling.py): the table's models built
in one process, a warm-up call each (reported as "first call", the latency of a one-shot
run), then interleaved rounds, each calling every model once, reporting the fastest and the
median (``uniformer_dense.analysis.interleaved_rounds``). Timed each in a fresh process, a model's
few repeats carry its first-touch page faults and the load of that moment (one machine read
the video port's forward as 1.45x ours that way, 1.14x in one process, #30). Peak memory is
the one thing measured in a fresh process per row (one call), where the peak is its own.
Each table's header names the processor, its vector extensions, the threads, the versions
and the matrix-multiply rate of the run.

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

The whole-model section (``--only models``) times Mask R-CNN UniFormer-S h14 at 800x1280 and
UperNet UniFormer-S at 512x512 next to MMDetection's and MMSegmentation's own Swin-T configs of
the same models (``mmdet::``/``mmseg::`` paths): inference latency of the model's tensor
forward (backbone, neck, heads; for Mask R-CNN the RPN's proposals and the box and mask heads
on them), with params, MACs and peak memory from ``tools/benchmark.py`` (a process each).
"""
import argparse
import copy
import datetime
import gc
import json
import math
import os
import platform
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
# channels_last input, under torch.compile (its first call, which compiles, is the table's
# "first call" column, not in the fastest or median).
EXECUTION = {'eager': {}, 'channels_last input': dict(channels_last=True),
             'torch.compile': dict(compile=True)}
# Video: ours against MMAction2's port (same architecture and FLOPs) on one clip.
VIDEO_MODELS = ['uniformer_video_s', 'mmaction_uniformer_s']
VIDEO_CLIP = (16, 224, 224)
# Where the measuring processes find the authors' release (run.py --authors PATH)
AUTHORS_CHECKOUT = 'UNIFORMER_AUTHORS_CHECKOUT'
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
    if name == 'authors_video_s':  # needs --authors (benchmarks/authors_video.py)
        from authors_video import authors_video_s
        return authors_video_s(os.environ[AUTHORS_CHECKOUT], **options)
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


def make_step(name, h, w, mode, device, options):
    """One model at one size: ``step()`` runs a 'forward' (no autograd), a 'train' step
    (forward + backward of the mean of the outputs) or a 'forward_bf16' (bf16 autocast).
    ``options``: the model's, plus ``compile``, ``channels_last`` (the input's layout) and
    ``frames`` (a clip's length: a video input). Returns ``(step, model, x)``."""
    import torch
    torch.manual_seed(0)
    options = dict(options)
    compiled, channels_last = options.pop('compile', False), options.pop('channels_last', False)
    frames = options.pop('frames', None)
    model = build(name, **options).to(device)
    x = torch.randn(1, 3, *((frames,) if frames else ()), h, w, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    run_model = torch.compile(model) if compiled else model  # compiles in the first call
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
    return step, model, x


def measure_one(name, h, w, mode, device, options):
    """Runs inside a fresh process: one call of one step (:func:`make_step`). Returns its
    ``peak_mb`` (growth of the process's peak resident set, or CUDA's peak allocation) and,
    for an eager fp32 forward, the model's ``macs``. Timing is not done here but in one
    process with every model of a table (:func:`timed`)."""
    from uniformer_dense.analysis import call_macs, peak_memory
    step, model, x = make_step(name, h, w, mode, device, options)
    with peak_memory(device) as peak:
        step()
    result = dict(peak_mb=peak['mb'])
    if mode == 'forward' and not options.get('compile'):
        model.eval()
        result['macs'] = call_macs(model, x)
    return result


def in_subprocess(name, h, w, mode, device, options=None):
    """:func:`measure_one` in a fresh process (its peak memory is its own)."""
    args = json.dumps([name, h, w, mode, device, options or {}])
    proc = subprocess.run([sys.executable, __file__, '--one', args], capture_output=True,
                          text=True)
    if proc.returncode:
        raise RuntimeError(f'{name} {h}x{w} {mode} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def timed(specs, device, rounds):
    """The steps of ``specs`` (``{key: (name, h, w, mode, options)}``) built in this process
    and timed together by :func:`uniformer_dense.analysis.interleaved_rounds`: one warm-up
    call each (``cold_ms``), then ``rounds`` rounds. Returns ``{key: dict(cold_ms, times,
    fastest_ms, median_ms)}``."""
    from uniformer_dense.analysis import interleaved_rounds
    runs = {key: make_step(name, h, w, mode, device, options)[0]
            for key, (name, h, w, mode, options) in specs.items()}
    return interleaved_rounds(runs, rounds, device=device,
                              log=lambda line: print(line, flush=True))


def measured(specs, device, rounds):
    """:func:`timed` for every spec, with :func:`in_subprocess`'s peak memory (and MACs)
    added to each result."""
    res = timed(specs, device, rounds)
    for key, (name, h, w, mode, options) in specs.items():
        res[key].update(in_subprocess(name, h, w, mode, device, options))
        print(key, json.dumps(res[key]), flush=True)
    return res


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


def _stan_config(spec):
    """The spec's config (``config``, optionally ``chunk_size``, ``static_frames``) with
    its default scope set: what every STAN measurement starts from."""
    from mmengine.registry import init_default_scope

    from uniformer_dense.harness import load_config
    cfg = load_config(str(REPO / spec['config']))
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    if spec.get('chunk_size'):
        cfg.model.chunk_size = spec['chunk_size']
    if spec.get('static_frames') is not None:
        set_static_frames(cfg, spec['static_frames'])
    return cfg


def make_stan_step(spec):
    """One STAN measurement as a call, like :func:`make_step`. ``spec``: config, mode
    ('decode': the test pipeline on the video; 'infer': ``test_step``; 'train': MMEngine's
    ``train_step`` with the config's optimizer), device, video, and optionally num_clips
    (M), static_frames (the sampler's whole-video static frames), chunk_size, batch
    (videos), checkpoint (False: fine-tuning without gradient checkpointing). Returns
    ``(step, facts)``: facts of what it runs (the input's ``shape``; for decoding the
    video's ``total_frames``; for a model the ``batch``, its ``params``, those
    ``trainable`` and ``base_mb``, the MB of its weights and buffers). Building it decodes
    the video once, so a decoding step's first call is not a cold one."""
    import torch
    from mmengine.dataset import pseudo_collate

    from uniformer_dense.analysis import build_model, count_params
    torch.manual_seed(0)
    cfg = _stan_config(spec)
    pipeline = _stan_pipeline(cfg, spec.get('num_clips'))
    info = dict(filename=spec['video'], label=0, start_index=0, modality='RGB')
    sample = pipeline(dict(info))
    if spec['mode'] == 'decode':
        return (lambda: pipeline(dict(info))), dict(
            shape=list(sample['inputs'].shape),
            total_frames=int(sample['data_samples'].metainfo['total_frames']))
    data = pseudo_collate([sample] * spec.get('batch', 1))
    model = build_model(cfg, init=False).to(spec['device'])
    facts = dict(params=count_params(model), shape=list(data['inputs'][0].shape),
                 batch=len(data['inputs']),
                 base_mb=sum(t.numel() * t.element_size() for t in
                             list(model.parameters()) + list(model.buffers())) / 2 ** 20)
    if spec['mode'] == 'train':
        from mmengine.optim import build_optim_wrapper
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        # STAN's with_cp=False: the same chunks, every activation kept
        model.with_cp = spec.get('checkpoint', True)

        def step():
            model.train()
            return model.train_step(data, optim_wrapper)
    else:
        def step():
            model.eval()
            with torch.no_grad():  # as MMEngine's test loop runs it
                return model.test_step(data)
    facts['trainable'] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return step, facts


def measure_stan(spec):
    """Runs inside a fresh process: a STAN spec's peak memory (``peak_mb``: one call of
    :func:`make_stan_step`'s step, as :func:`measure_one`) with its facts, or, for mode
    'macs', one whole video's forward MACs (the config's M clips) and its sampling."""
    from uniformer_dense.analysis import (build_model, dummy_batch, long_video_sampling,
                                          meta_macs, peak_memory)
    if spec['mode'] == 'macs':
        cfg = _stan_config(spec)
        model = build_model(cfg, init=False).eval()
        macs = meta_macs(model, 'action', *dummy_batch(cfg, (LONG_VIDEO['size'],) * 2))
        return dict(long_video_sampling(cfg), macs=macs, chunk_size=cfg.model.chunk_size,
                    static_frames_per_clip=cfg.model.static_frames_per_clip)
    step, facts = make_stan_step(spec)
    gc.collect()
    with peak_memory(spec['device']) as peak:
        step()
    return dict(facts, peak_mb=peak['mb'])


def stan_in_subprocess(**spec):
    proc = subprocess.run([sys.executable, __file__, '--stan', json.dumps(spec)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f'STAN {spec} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def stan_measured(specs, device, rounds):
    """The STAN ``specs`` (``{key: spec}``, :func:`make_stan_step`) timed by the one method
    (all built in this process, a warm-up call each, then ``rounds`` interleaved rounds),
    each with its facts and, but for decoding, its peak memory from a fresh process.
    Every step stays alive until the rounds end: for the long-video table about 3 GB (8
    models, 3 AdamW states, 8 decoded samples) on top of the largest step (~10 GB), where
    one step per process needed only the latter."""
    from uniformer_dense.analysis import interleaved_rounds
    res = {}
    for key, spec in specs.items():
        res[key] = (stan_in_subprocess(**spec) if spec['mode'] != 'decode' else {})
        print(key, json.dumps(res[key]), flush=True)
    runs = {}
    for key, spec in specs.items():
        runs[key], facts = make_stan_step(spec)
        res[key].update(facts)
    for key, timing in interleaved_rounds(runs, rounds, device=device, log=lambda line: print(
            line, flush=True)).items():
        res[key].update(timing)
    return res


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


def processor():
    """``(model name, vector extensions)`` of this machine's CPU: /proc/cpuinfo's model
    name and its SIMD flags (x86 SSE4/AVX/AMX/FMA, Arm NEON/SVE), with PyTorch's CPU
    capability (the kernels it dispatches to)."""
    import torch
    name, flags = '', set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                key = key.strip()
                if key in ('model name', 'Model name') and not name:
                    name = value.strip()
                elif key in ('flags', 'Features') and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    simd = sorted(f for f in flags if f.startswith(('avx', 'amx', 'sse4', 'sve', 'asimd'))
                  or f in ('fma', 'f16c', 'neon'))
    name = name or platform.processor() or platform.machine()
    capability = torch.backends.cpu.get_cpu_capability()
    return name, f'{" ".join(simd) or "unknown"} (PyTorch CPU capability: {capability})'


def versions():
    """torch, mmengine and mmdet versions (a package that does not import is left out:
    train_step.py runs without MMDetection)."""
    import importlib
    found = []
    for name in ('torch', 'mmengine', 'mmdet'):
        try:
            found.append(f'{name} {importlib.import_module(name).__version__}')
        except ImportError:
            pass
    return ', '.join(found)


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
    parser.add_argument('--authors', metavar='PATH',
                        help='a checkout of github.com/Sense-X/UniFormer: the video section '
                             'also times the authors\' own network (benchmarks/authors_video.py)')
    args = parser.parse_args(argv)
    if args.authors:
        os.environ[AUTHORS_CHECKOUT] = str(Path(args.authors).resolve())
    if args.one:
        name, h, w, mode, device, options = json.loads(args.one)
        print(json.dumps(measure_one(name, h, w, mode, device, options)))
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


def machine_line(device, rate, command):
    """The header every timed table carries: processor, its vector extensions, threads,
    versions, the matrix-multiply rate of this run, the date and the command."""
    import torch
    name, simd = processor()
    where = name if device == 'cpu' else f'{torch.cuda.get_device_name()} (host {name})'
    return (f'Machine: {where}; vector extensions {simd}; {torch.get_num_threads()} threads; '
            f'{versions()}; matrix-multiply rate (fp32, 2048^3) in this run '
            f'{rate / 1e9:.1f} GFLOP/s; {datetime.date.today().isoformat()}. '
            f'Produced by `{command}`.')


MEMORY_METHOD = ('Peak memory: one call in a fresh process per row (growth of its peak '
                 'resident set; on CUDA the peak allocation).')


def method_line(rounds, memory=MEMORY_METHOD):
    """How the timed tables are measured (one method for all of them), then how their
    ``memory`` column was."""
    return (f'Timing: every model of a table built in one process, each called once as a '
            f'warm-up (its time is the "first call" column: lazy initialisation, allocator '
            f'growth, a compile), then {rounds} rounds that call each in turn; the fastest '
            f'and the median of the {rounds}. {memory}')


def ms_cells(res):
    return f'{res["fastest_ms"]:.0f} | {res["median_ms"]:.0f}'


def backbone_section(device, rate, quick):
    """The backbones at 224x224 and 800x1216 (forward, training step, peak memory, MACs and
    the FLOP floor; bf16 autocast on CUDA), then UniFormer-S h14's gradient checkpointing
    and execution modes at 800x1216: everything above the whole-model section."""
    modes = ['forward', 'train'] + (['forward_bf16'] if device == 'cuda' else [])
    rounds = {224: 3 if quick else 10, 800: 2 if quick else 5}
    res = {}
    for h, w in SIZES:
        res.update(measured({(name, h, mode): (name, h, w, mode, {})
                             for name in MODELS for mode in modes}, device, rounds[h]))
    cp = measured({label: ('uniformer_s_h14', 800, 1216, 'train', options)
                   for label, options in CHECKPOINTING.items()}, device, rounds[800])
    execution = measured({label: ('uniformer_s_h14', 800, 1216, 'forward', options)
                          for label, options in EXECUTION.items()}, device, rounds[800])
    command = f'python benchmarks/run.py{" --quick" if quick else ""}'
    lines = [
        BACKBONE_SECTION, '', machine_line(device, rate, command), '',
        method_line(f'{rounds[224]} (224x224) or {rounds[800]} (800x1216)'), '',
        'The FLOP floor of a model is its forward FLOPs (2 per multiply-accumulate, '
        '`torch.utils.flop_counter` plus the CPU fused-attention kernel, see '
        '`uniformer_dense.analysis.flop_counter`) divided by the matrix-multiply rate; '
        '"x floor" is the fastest forward / floor, against the UniFormer-S h14 FLOPs for its '
        'reference.', '',
        '| backbone | input | GMACs | forward ms fastest | median | first call | x floor | '
        'train step ms fastest | median | peak MB fwd | peak MB train |',
        '|---|---|---|---|---|---|---|---|---|---|---|']
    for h, w in SIZES:
        for name in MODELS:
            f, t = res[name, h, 'forward'], res[name, h, 'train']
            # the reference is the same model: the package's S-h14 floor
            macs = res['uniformer_s_h14' if name == 'reference_s_h14' else name, h,
                       'forward']['macs']
            lines.append(f'| {name} | {h}x{w} | {macs / 1e9:.1f} | {ms_cells(f)} | '
                         f'{f["cold_ms"]:.0f} | {f["fastest_ms"] / floor_ms(macs, rate):.2f} | '
                         f'{ms_cells(t)} | {f["peak_mb"]:.0f} | {t["peak_mb"]:.0f} |')
    if device == 'cuda':
        lines += ['', '| backbone | input | forward ms fp32 | forward ms bf16 autocast |',
                  '|---|---|---|---|']
        for h, w in SIZES:
            for name in MODELS:
                lines.append(f'| {name} | {h}x{w} | {res[name, h, "forward"]["fastest_ms"]:.1f}'
                             f' | {res[name, h, "forward_bf16"]["fastest_ms"]:.1f} |')
    ours, ref = res['uniformer_s_h14', 800, 'forward'], res['reference_s_h14', 800, 'forward']
    lines += ['', f'UniFormer-S h14 forward at 800x1216: {ours["fastest_ms"]:.0f} ms against '
              f'{ref["fastest_ms"]:.0f} ms for the line-by-line reference (fastest; medians '
              f'{ours["median_ms"]:.0f} / {ref["median_ms"]:.0f}): '
              f'**{ref["fastest_ms"] / ours["fastest_ms"]:.2f}x** faster; '
              f'{ours["fastest_ms"] / floor_ms(ours["macs"], rate):.2f}x its FLOP floor.', '',
              '## Gradient checkpointing, UniFormer-S h14 training step at 800x1216', '',
              '| checkpointing | step ms fastest | median | peak MB | peak vs none |',
              '|---|---|---|---|---|']
    base = cp[next(iter(CHECKPOINTING))]['peak_mb']
    for label, r in cp.items():
        lines.append(f'| {label} | {ms_cells(r)} | {r["peak_mb"]:.0f} | '
                     f'{r["peak_mb"] / base:.2f} |')
    eager = execution[next(iter(EXECUTION))]['fastest_ms']
    lines += ['', '## Execution modes, UniFormer-S h14 forward at 800x1216', '',
              '| mode | forward ms fastest | median | first call | vs eager (fastest) |',
              '|---|---|---|---|---|']
    for label, r in execution.items():
        lines.append(f'| {label} | {ms_cells(r)} | {r["cold_ms"]:.0f} | '
                     f'{eager / r["fastest_ms"]:.2f}x |')
    return lines


def whole_model_runs(device):
    """``{label: run}``: the tensor forward of each of WHOLE_MODELS at its size, built in
    this process (random weights), for :func:`uniformer_dense.analysis.interleaved_rounds`."""
    from uniformer_dense.analysis import build_model, dummy_batch, tensor_forward
    from uniformer_dense.harness import load_config, task_of
    runs = {}
    for label, config, shape in WHOLE_MODELS:
        cfg = load_config(config if '::' in config else str(REPO / config))
        model = build_model(cfg, init=False).eval().to(device)
        inputs, samples = dummy_batch(cfg, shape)
        runs[label] = tensor_forward(model, task_of(cfg), inputs.to(device), samples)
    return runs


def models_section(device, rate, quick):
    """Whole detection and segmentation models, ours next to the toolboxes' Swin-T ones:
    latency timed together in this process, params, MACs and peak memory from
    ``tools/benchmark.py`` (one process per model)."""
    from uniformer_dense.analysis import interleaved_rounds
    rounds = 2 if quick else 5
    timing = interleaved_rounds(whole_model_runs(device), rounds, device=device,
                                log=lambda line: print(line, flush=True))
    command = f'python benchmarks/run.py --only models{" --quick" if quick else ""}'
    lines = [MODELS_SECTION, '', machine_line(device, rate, command), '',
             method_line(rounds, 'Params, MACs and peak memory come from `tools/benchmark.py '
                         f'CONFIG --shape H W --repeats 1 --device {device}` (a process per '
                         'model: a warm-up and one timed call).'), '',
             'Latency: one image, the model\'s tensor forward (for Mask R-CNN: backbone, FPN, '
             'RPN with its proposals, box and mask heads on them; no resizing or pasting). '
             'Random weights.', '',
             '| model | config | input | params M | GMACs | latency ms fastest | median | '
             'first call | x floor | peak MB |', '|---|---|---|---|---|---|---|---|---|---|']
    for label, config, (h, w) in WHOLE_MODELS:
        proc = subprocess.run([sys.executable, str(REPO / 'tools' / 'benchmark.py'), config,
                               '--json', '--shape', str(h), str(w), '--repeats', '1',
                               '--device', device], capture_output=True, text=True, cwd=REPO)
        if proc.returncode:
            raise RuntimeError(f'{config} failed:\n{proc.stderr[-3000:]}')
        info, t = json.loads(proc.stdout.strip().splitlines()[-1]), timing[label]
        print(label, json.dumps(info), flush=True)
        macs = info['flops']  # tools/benchmark.py's flops: the papers' FLOPs, i.e. MACs
        lines.append(f'| {label} | `{config}` | {h}x{w} | {info["params"] / 1e6:.1f} | '
                     f'{macs / 1e9:.0f} | {ms_cells(t)} | {t["cold_ms"]:.0f} | '
                     f'{t["fastest_ms"] / floor_ms(macs, rate):.2f} | '
                     f'{info["peak_mem_mb"]:.0f} |')
    return lines


def video_section(device, rate, quick):
    """Video UniFormer-S against MMAction2's port: forward, training step, memory, floor."""
    t, h, w = VIDEO_CLIP
    rounds = 3 if quick else 8
    models = VIDEO_MODELS + (['authors_video_s'] if os.environ.get(AUTHORS_CHECKOUT) else [])
    res = measured({(name, mode): (name, h, w, mode, dict(frames=t))
                    for name in models for mode in ('forward', 'train')}, device, rounds)
    command = (f'python benchmarks/run.py --only video{" --quick" if quick else ""}'
               f'{" --authors PATH" if len(models) > len(VIDEO_MODELS) else ""}')
    lines = [VIDEO_SECTION, '', machine_line(device, rate, command), '', method_line(rounds),
             '', f'One clip of {t}x{h}x{w} (batch 1). "x floor" as above (fastest forward); the '
             'training step is forward + backward of the mean output. MMAction2\'s port runs '
             'its own code (`mmaction.models.backbones.uniformer`); authors_video_s, where '
             'present, is the authors\' release read from a checkout of it '
             '(`benchmarks/authors_video.py`: their `forward_features`); random weights in '
             'each. The first call is a one-shot inference\'s latency.', '',
             '| backbone | GMACs | forward ms fastest | median | first call | x floor | '
             'train step ms fastest | median | peak MB fwd | peak MB train |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for name in models:
        f, tr = res[name, 'forward'], res[name, 'train']
        lines.append(f'| {name} | {f["macs"] / 1e9:.1f} | {ms_cells(f)} | {f["cold_ms"]:.0f} | '
                     f'{f["fastest_ms"] / floor_ms(f["macs"], rate):.2f} | {ms_cells(tr)} | '
                     f'{f["peak_mb"]:.0f} | {tr["peak_mb"]:.0f} |')
    for other, label in (('mmaction_uniformer_s', 'MMAction2\'s port'),
                         ('authors_video_s', 'the authors\' network')):
        if other not in models:
            continue

        def ratio(mode, key, other=other):
            return res[other, mode][key] / res['uniformer_video_s', mode][key]
        lines += ['', f'Video UniFormer-S against {label}: forward '
                     f'**{ratio("forward", "fastest_ms"):.2f}x** faster (median '
                     f'{ratio("forward", "median_ms"):.2f}x, first call '
                     f'{ratio("forward", "cold_ms"):.2f}x), training step '
                     f'**{ratio("train", "fastest_ms"):.2f}x** '
                     f'(median {ratio("train", "median_ms"):.2f}x).']
    return lines


def long_video_section(device, rate, quick):
    """STAN with UniFormer-S backbones on a 2-minute 30 fps 224x224 video: decoding, inference
    (three chunk sizes), training steps with frozen, checkpointed and (extrapolated) plain
    fine-tuned backbones, by the one method (:func:`stan_measured`). Each step takes
    seconds to minutes on a CPU: 3 rounds (``quick``: 1, one other chunk size, no two-video
    batch)."""
    video = str(long_video_path())
    run = dict(device=device, video=video)
    rounds = 1 if quick else 3
    info = stan_in_subprocess(**run, config=STAN_FROZEN, mode='macs')
    print('macs', json.dumps(info), flush=True)
    macs, chunk, per_clip = info['macs'], info['chunk_size'], info['static_frames_per_clip']
    frozen, tuned = dict(run, config=STAN_FROZEN), dict(run, config=STAN_FINETUNE)
    specs = {'decode': dict(frozen, mode='decode'), ('infer', chunk): dict(frozen, mode='infer')}
    for other in STAN_CHUNKS[:1] if quick else STAN_CHUNKS:
        specs['infer', other] = dict(frozen, mode='infer', chunk_size=other)
    for videos in (1,) if quick else (1, 2):
        specs['frozen', videos] = dict(frozen, mode='train', batch=videos)
    specs['checkpointed'] = dict(tuned, mode='train')
    for m in STAN_FEW_CLIPS:
        specs['plain', m] = dict(tuned, mode='train', checkpoint=False, num_clips=m)
    res = stan_measured(specs, device, rounds)

    def group(kind):  # {chunk size, videos or M: result} of the specs keyed (kind, n)
        return dict(sorted(((k[1], r) for k, r in res.items()
                            if isinstance(k, tuple) and k[0] == kind), key=lambda kr: kr[0]))

    infer, frozen_steps, plain = group('infer'), group('frozen'), group('plain')
    decode, tuned, ref = res['decode'], res['checkpointed'], infer[chunk]
    # (the input's first axis also packs the whole-video static frames after the clips)
    m_clips, clip_len = info['num_clips'], info['clip_len']
    (m1, r1), (m2, r2) = sorted(plain.items())[:2]
    per_clip_mb = (r2['peak_mb'] - r1['peak_mb']) / (m2 - m1)

    def extrapolate(key):  # linear in the clips per video, through the two measured points
        return r2[key] + (r2[key] - r1[key]) * (m_clips - m2) / (m2 - m1)

    def seconds(r, cold=True):  # the decoding step was run once to build it: no cold call
        return (f'{r["fastest_ms"] / 1000:.1f} | {r["median_ms"] / 1000:.1f} | '
                + (f'{r["cold_ms"] / 1000:.1f}' if cold else '-'))

    def row(step, config, m, videos, chunk_size, r):
        return (f'| {step} | {config} | {m} | {videos} | {chunk_size} | {seconds(r)} | '
                f'{r["peak_mb"]:.0f} |')

    if device == 'cuda':
        peak = '`torch.cuda.max_memory_allocated` (weights included).'
    else:
        peak = (f'growth of the process\'s peak resident set during it (fp32; the '
                f'weights, loaded before, are not in it: {ref["base_mb"]:.0f} MB for all '
                f'{ref["params"] / 1e6:.1f}M parameters).')
    static = info['static_frames']
    if info['whole_video_static']:
        seen = f'{static} static frames over the whole video for the image backbone'
        clip_holds = (f'its activations in the video backbone; what does not grow with M, '
                      f'the {static} static frames\' activations, the gradients and AdamW '
                      f'state, the input\'s copies, is '
                      f'~{r1["peak_mb"] - m1 * per_clip_mb:.0f} MB')
    else:
        seen = f'{static} frames inside the clips also seen by the image backbone'
        clip_holds = f'its activations and those of its {per_clip} frames'
    lines = [
        LONG_VIDEO_SECTION, '', machine_line(device, rate, 'python benchmarks/run.py --only '
                                             'long_video'), '',
        f'STAN with UniFormer-S backbones (random weights: the same shapes and cost as the '
        f'pretrained ones) on one video of {LONG_VIDEO["seconds"] // 60} minutes at '
        f'{LONG_VIDEO["fps"]} fps, {LONG_VIDEO["size"]}x{LONG_VIDEO["size"]} '
        f'({decode["total_frames"]} frames; generated, MPEG-4 part 2), read through the test '
        f'pipeline of `{STAN_FROZEN}` (SampleLongVideo: {m_clips} clips x {clip_len} frames, '
        f'one every {info["frame_interval"]}, and {seen}), batch of one video unless said; '
        f'"clips M" counts the clips only. '
        f'Training steps are MMEngine\'s `train_step` (forward, loss, backward, gradient '
        f'clipping, the config\'s AdamW step) on the test-pipeline sample; "fine-tuned, no '
        f'checkpointing" runs the same chunks with every activation kept.', '',
        method_line(rounds, f'Peak MB: one call in a fresh process per row, {peak}'), '',
        '| step | config | clips M | videos | chunk | time s fastest | median | first call '
        '| peak MB |', '|---|---|---|---|---|---|---|---|---|',
        f'| decode + sample (test pipeline) | frozen | {m_clips} | 1 | - | '
        f'{seconds(decode, cold=False)} | - |']
    for size, r in infer.items():
        config = 'frozen' if size == chunk else f'frozen, chunk_size={size}'
        lines.append(row('inference (`test_step`)', config, m_clips, 1, size, r))
    for videos, r in frozen_steps.items():
        lines.append(row(f'training step, frozen backbones ({r["trainable"] / 1e6:.1f}M '
                         f'trained)', 'frozen', m_clips, videos, chunk, r))
    lines.append(row(f'training step, fine-tuned, checkpointed per chunk '
                     f'({tuned["trainable"] / 1e6:.1f}M trained)', 'finetune', m_clips, 1,
                     chunk, tuned))
    for m, r in plain.items():
        lines.append(row('training step, fine-tuned, no checkpointing (measured)', 'finetune',
                         m, 1, chunk, r))
    lines.append(f'| training step, fine-tuned, no checkpointing (**extrapolated** linearly '
                 f'from M={m1}, {m2}; not run) | finetune | {m_clips} | 1 | {chunk} | '
                 f'~{extrapolate("fastest_ms") / 1000:.0f} | ~{extrapolate("median_ms") / 1000:.0f}'
                 f' | - | ~{extrapolate("peak_mb"):.0f} |')
    floor = floor_ms(macs, rate) / 1000  # seconds
    lines += ['', f'One video costs {macs / 1e9:.0f} GMACs forward (both backbones and the '
              f'transformer, `uniformer_dense.analysis.meta_macs`): a floor of {floor:.1f} s '
              f'at the measured rate; inference took {ref["fastest_ms"] / 1000 / floor:.2f}x '
              f'that (fastest).',
              '', 'Chunk size, inference peak: ' + ', '.join(
                  f'{size} -> {r["peak_mb"]:.0f} MB' for size, r in infer.items())
              + ' (the activations of one chunk are held at a time).']
    if 2 in frozen_steps:
        grown = frozen_steps[2]['peak_mb'] - frozen_steps[1]['peak_mb']
        input_mb = math.prod(ref['shape']) * 4 / 2 ** 20  # one video's packed fp32 input
        lines.append('')
        lines.append(f'A second video adds {grown:.0f} MB to the frozen training step, of which '
                     f'{input_mb:.0f} MB is its fp32 input; the rest is not broken down here '
                     f'(likely copies of that input on the way in: the data preprocessor\'s '
                     f'float conversion and normalisation). Chunks run over all clips of the '
                     f'batch, so the activations held for one chunk do not grow with it.')
    lines.append('')
    lines.append(f'Gradient checkpointing per chunk: {tuned["peak_mb"]:.0f} MB against '
                 f'~{extrapolate("peak_mb"):.0f} MB (extrapolated) without, '
                 f'{extrapolate("peak_mb") / tuned["peak_mb"]:.1f}x less, for a step '
                 f'{tuned["fastest_ms"] / extrapolate("fastest_ms"):.1f}x as long (fastest). '
                 f'Without it each clip adds {per_clip_mb:.0f} MB ({clip_holds}); with it the '
                 f'backward pass holds those of one chunk, about {chunk} x '
                 f'{per_clip_mb:.0f} MB.')
    return lines


if __name__ == '__main__':
    main()
