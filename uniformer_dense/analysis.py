"""Model size and cost for any config: parameters, multiply-accumulates, latency, peak memory.

Used by ``tools/benchmark.py`` and the benchmarks. Units, one per name:
:func:`flop_counter` (``torch.utils.flop_counter``) counts true FLOPs, two per
multiply-accumulate; :func:`call_macs`, :func:`count_macs` and :func:`meta_macs` return
multiply-accumulates (MACs), what the UniFormer papers, the model zoo and MMEngine's
analysis tools call "FLOPs". :func:`measure` reports MACs under the key ``flops`` (the
papers' name, which ``tools/benchmark.py --json`` keeps): ``flops`` = MACs, true FLOPs are
2 x that. mmcv's RoIAlign is not counted.
Video recognisers are measured on one test view (one clip of the config's test ``clip_len``
frames, one crop): ``flops`` is per view, as the papers' "GFLOPs x views" tables give it.
The long-video recogniser STAN (``model.type == 'STAN'``) is measured on one whole video:
its M clips of the test sampler (``SampleLongVideo``'s ``num_clips`` x ``clip_len``) in one
input ``(1, M, 3, T, H, W)``, both backbones and the two-stream transformer: ``flops`` is per
video (``flops_per='video'``).
"""
from __future__ import annotations

import contextlib
import resource
import statistics
import time
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

from .harness import load_config, task_of
from .registry import explain_unknown_types, register_all, toolbox_registry

# Input sizes (H, W) at which the papers report FLOPs, per task (video: per frame).
DEFAULT_SHAPES = {'det': (800, 1280), 'seg': (512, 2048), 'action': (224, 224)}
# Spatial crops per clip of MMAction2's multi-crop test transforms.
CROPS_PER_CLIP = {'ThreeCrop': 3, 'TenCrop': 10}


def flop_counter():
    """``torch.utils.flop_counter.FlopCounterMode`` that also counts CPU fused attention.

    torch 2.13 has no FLOP formula for ``aten._scaled_dot_product_flash_attention_for_cpu``
    (the kernel ``F.scaled_dot_product_attention`` runs on the CPU), so attention would count
    as zero; it gets the formula torch uses for the GPU kernels. Counts true FLOPs: two
    per multiply-accumulate."""

    def cpu_sdpa(query, key, value, *args, out_shape=None, **kwargs):
        return sdpa_flop_count(query, key, value)

    aten = torch.ops.aten
    return FlopCounterMode(display=False, custom_mapping={
        aten._scaled_dot_product_flash_attention_for_cpu: cpu_sdpa})


def build_model(cfg: Config, with_weights: bool = False, init: bool = True):
    """Build the config's model in its toolbox scope; skip pretrained loading by default.

    ``init`` runs ``init_weights()`` as the Runner does before training (and logs it)."""
    register_all()
    scope = cfg.get('default_scope', 'mmengine')
    init_default_scope(scope)
    model_cfg = cfg.model.copy()
    if not with_weights:
        # STAN has a second backbone (the image network) with its own pretrained file.
        for key in ('backbone', 'image_backbone'):
            if model_cfg.get(key) is not None:
                model_cfg[key] = dict(model_cfg[key], init_cfg=None)
    with explain_unknown_types():
        model = toolbox_registry(scope).build(model_cfg)
    if init:
        model.init_weights()
    return model


def save_initial_checkpoint(config, path, cfg_options: Optional[dict] = None,
                            with_weights: bool = False):
    """Save the config's model exactly as training starts (same seed; no pretrained weights,
    or with ``with_weights`` its ``init_cfg``'s, as a fine-tuning starts) as a checkpoint
    without ``meta``: the "untrained" baseline of demos and tests. ``cfg_options`` as
    ``--cfg-options`` gives them (``{'model.backbone.num_classes': 3}``)."""
    cfg = load_config(str(config), cfg_options)
    set_random_seed(cfg.get('randomness', {}).get('seed', 0))
    model = build_model(cfg, with_weights=with_weights)
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def count_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def default_shape(cfg: Config) -> Tuple[int, int]:
    task = task_of(cfg)
    if task == 'pose':
        w, h = cfg.codec.input_size
        return h, w
    if task == 'cls':  # the evaluation crop (224, 384, the light models' 128 ... 224)
        crops = [t['crop_size'] for t in _test_pipeline(cfg) if t.get('type') == 'CenterCrop']
        if not crops:
            raise ValueError(f'{cfg.filename}: the test pipeline has no CenterCrop, so the '
                             f'input size is unknown; pass --shape H W.')
        size = crops[0]
        return (size, size) if isinstance(size, int) else (size[1], size[0])
    return DEFAULT_SHAPES[task]


def _leaf_dataset(dataset_cfg):
    while 'dataset' in dataset_cfg:  # RepeatDataset and other wrappers
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def is_long_video(cfg: Config) -> bool:
    """Whether the config's model is STAN (one sample = M clips of one whole video)."""
    return cfg.model.get('type') == 'STAN'


def _test_pipeline(cfg: Config) -> list:
    pipeline = _leaf_dataset(cfg.test_dataloader.dataset).get('pipeline') or []
    if not any('clip_len' in t for t in pipeline) and cfg.get('test_pipeline'):
        # configs that test on cached features (stan_uniformer_s_cached.py) keep the
        # decoding pipeline the features came from as ``test_pipeline``
        pipeline = cfg.test_pipeline
    return pipeline


def long_video_sampling(cfg: Config) -> Dict[str, int]:
    """A STAN config's sampling of one video: ``num_clips`` (M) clips of ``clip_len`` frames
    (every ``frame_interval``-th), ``static_frames`` (N) for the image backbone, and
    ``whole_video_static`` (whether those N frames are spread over the whole video and packed
    after the clips, ``SampleLongVideo(static_frames=N)``, or taken from inside the clips,
    N = M x static_frames_per_clip); read from the test pipeline's ``SampleLongVideo``."""
    samplers = [t for t in _test_pipeline(cfg) if 'clip_len' in t]
    if not samplers:
        raise ValueError(
            f'{cfg.filename}: the test pipeline has no SampleLongVideo (nor a test_pipeline '
            f'variable with one), so the clips per video are unknown.')
    sampler = samplers[0]
    m, t = sampler.get('num_clips', 1), sampler['clip_len']
    k = min(cfg.model.get('static_frames_per_clip', 2), t)
    whole = int(sampler.get('static_frames') or 0)
    return dict(num_clips=m, clip_len=t, frame_interval=sampler.get('frame_interval', 1),
                static_frames=whole or m * k, whole_video_static=bool(whole))


def video_test_views(cfg: Config) -> Dict[str, int]:
    """How a video config tests: ``clip_len`` frames per view, ``clips`` x ``crops`` views
    per video (e.g. Kinetics 16 x 4 x 1, Something-Something 16 x 1 x 3), read from the
    frame sampler and crop of its test pipeline."""
    pipeline = _leaf_dataset(cfg.test_dataloader.dataset).get('pipeline') or []
    samplers = [t for t in pipeline if 'clip_len' in t]
    if not samplers:
        raise ValueError(
            f'{cfg.filename}: the test pipeline has no frame sampler with a clip_len '
            f'(SampleFrames, UniformSample ...), so the frames per view are unknown; add one '
            f'or pass the clip length explicitly.')
    sampler = samplers[0]
    clips = sampler.get('num_clips', 1) * (2 if sampler.get('twice_sample') else 1)
    crops = 1
    for t in pipeline:
        crops *= CROPS_PER_CLIP.get(t['type'], 1)
    return dict(clip_len=sampler['clip_len'], clips=clips, crops=crops)


def dummy_batch(cfg: Config, shape):
    """One input batch and its data samples for a tensor forward at ``shape`` (H, W)."""
    h, w = shape
    task = task_of(cfg)
    # Each toolbox's data sample is imported in its branch: the toolboxes are optional.
    if task == 'action' and is_long_video(cfg):
        # STAN input: (batch, M clips of one video, C, T, H, W); one whole video.
        from mmaction.structures import ActionDataSample
        sampling = long_video_sampling(cfg)
        m, t = sampling['num_clips'], sampling['clip_len']
        n = sampling['static_frames'] if sampling['whole_video_static'] else 0
        # frames evenly over a nominal two-minute video, their times as fractions / seconds
        times = np.linspace(0, 1, (m + n // t) * t, dtype=np.float32)
        sample = ActionDataSample(metainfo=dict(img_shape=(h, w), static_frames=n,
                                                frame_times=times, frame_seconds=times * 120))
        return torch.randn(1, m + n // t, 3, t, h, w), [sample]
    if task == 'action':
        # Recognizer3D input: (batch, views, C, T, H, W); one view of the test clip length.
        from mmaction.structures import ActionDataSample
        t = video_test_views(cfg)['clip_len']
        sample = ActionDataSample(metainfo=dict(img_shape=(h, w), num_clips=1))
        return torch.randn(1, 1, 3, t, h, w), [sample]
    inputs = torch.randn(1, 3, h, w)
    meta = dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w), batch_input_shape=(h, w),
                scale_factor=(1.0, 1.0), input_size=(w, h), input_center=(w / 2, h / 2),
                input_scale=(w, h), flip_indices=list(range(17)))
    if task == 'cls':
        from mmpretrain.structures import DataSample
        sample = DataSample(metainfo=meta)
    elif task == 'det':
        from mmdet.structures import DetDataSample
        sample = DetDataSample(metainfo=meta)
    elif task == 'seg':
        from mmseg.structures import SegDataSample
        sample = SegDataSample(metainfo=meta)
    else:
        from mmpose.structures import PoseDataSample
        sample = PoseDataSample(metainfo=meta)
    return inputs, [sample]


def _forward(model, task: str, inputs, samples):
    if task == 'action':  # MMAction2's _forward takes a stage, not data samples; STAN's
        # also takes the samples (their frame times)
        if type(model).__name__ == 'STAN':
            return model._forward(inputs, stage='head', data_samples=samples)
        return model._forward(inputs, stage='head')
    if task == 'cls':  # MMPretrain's classifiers: the tensor mode is backbone + head
        return model(inputs, mode='tensor')
    return model._forward(inputs, samples)


def call_macs(fn, *args, **kwargs) -> int:
    """Multiply-accumulates of one call ``fn(*args, **kwargs)`` in inference mode: the true
    FLOPs of :func:`flop_counter` halved (every operator it counts does two per MAC)."""
    with torch.inference_mode(), flop_counter() as counter:
        fn(*args, **kwargs)
    return counter.get_total_flops() // 2


def count_macs(model, task: str, inputs, samples) -> int:
    """Multiply-accumulates of one tensor forward (what the papers call its FLOPs)."""
    return call_macs(_forward, model, task, inputs, samples)


def meta_macs(model, task: str, inputs, samples) -> int:
    """:func:`count_macs` with ``model`` and ``inputs`` moved to the meta device (``model``
    is moved in place and holds no weights afterwards): shapes only, no arithmetic, so
    UniFormer-B 32x4 at 224 counts in a second instead of a minute of CPU, with the counts
    of a real forward. Only for models whose forward never reads tensor values."""
    return count_macs(model.to('meta'), task, inputs.to('meta'), samples)


def time_calls(run, repeats: int, warmup: int = 1, device: str = 'cpu'):
    """Wall-clock milliseconds of ``repeats`` calls of ``run()`` after ``warmup`` untimed
    ones (first calls pay for lazy initialisation, allocator growth, compilation), each call
    between two device synchronisations so that queued GPU work ends inside its own span.
    Returns ``(times, output of the last call)``."""
    sync = torch.cuda.synchronize if str(device).startswith('cuda') else (lambda: None)
    times, out = [], None
    for i in range(warmup + repeats):
        sync()
        start = time.perf_counter()
        out = run()
        sync()
        if i >= warmup:
            times.append(1000 * (time.perf_counter() - start))
    return times, out


def interleaved_rounds(runs: Dict[str, Callable[[], object]], rounds: int, warmup: int = 1,
                       device: str = 'cpu', log: Optional[Callable[[str], None]] = None
                       ) -> Dict[str, dict]:
    """The benchmarks' one way of timing: every run of ``runs`` called ``warmup`` times
    (the first call's time kept as ``cold_ms``: lazy initialisation, allocator growth, a
    compile), then ``rounds`` rounds that call each run once in turn, so that load coming
    and going on the machine touches all of them alike. Returns ``{key: dict(cold_ms,
    times, fastest_ms, median_ms)}`` in milliseconds (``cold_ms`` is None without a
    warm-up). ``log`` gets one line per round."""
    results = {}
    for key, run in runs.items():
        times, _ = time_calls(run, warmup, warmup=0, device=device) if warmup else ([], None)
        results[key] = dict(cold_ms=times[0] if times else None, times=[])
    for r in range(rounds):
        for key, run in runs.items():
            (ms,), _ = time_calls(run, 1, warmup=0, device=device)
            results[key]['times'].append(ms)
        if log is not None:
            log(f'round {r + 1}/{rounds}: ' + ', '.join(
                f'{key} {res["times"][-1]:.0f} ms' for key, res in results.items()))
    for res in results.values():
        res['fastest_ms'] = min(res['times']) if res['times'] else None
        res['median_ms'] = statistics.median(res['times']) if res['times'] else None
    return results


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB: ``VmHWM`` of /proc/self/status on
    Linux (the high-water mark of this process's own memory map), else ``ru_maxrss``. On
    Linux ``ru_maxrss`` survives fork and exec: a process that a large one starts begins
    at its parent's peak, and a measured growth above it reads 0 (seen in benchmarks/run.py
    once its parent had timed training steps itself)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def peak_memory(device: str = 'cpu'):
    """The peak memory of the block, in MB, as the benchmarks report it: on CUDA the peak
    allocation since the block began (weights included); elsewhere the growth of the
    process's peak resident set (:func:`peak_rss_mb`) during the block, which only shows
    what the block adds above the process's earlier peak: run it in a fresh process, or
    first. Yields a dict whose ``'mb'`` is set when the block ends::

        with peak_memory(device) as peak:
            step()
        print(peak['mb'])
    """
    cuda = str(device).startswith('cuda')
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    before = peak_rss_mb()
    found = {}
    yield found
    if cuda:
        torch.cuda.synchronize()
        found['mb'] = torch.cuda.max_memory_allocated() / 2 ** 20
    else:
        found['mb'] = max(peak_rss_mb() - before, 0.)


def matmul_rate(device: str = 'cpu', dtype=torch.float32, n: int = 2048,
                repeats: int = 30) -> float:
    """The machine's best sustained matrix-multiply rate in FLOP/s (true FLOPs: 2 n^3 per
    n x n product, the fastest of ``repeats``): the denominator of the benchmarks' FLOP
    floor."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn_like(a)
    times, _ = time_calls(lambda: a @ b, repeats, warmup=0, device=device)
    return 2 * n ** 3 / (min(times) / 1000)


def tensor_forward(model, task: str, inputs, samples) -> Callable[[], object]:
    """A call of ``model``'s tensor forward on ``inputs`` (what :func:`measure` times and
    benchmarks/run.py interleaves), in inference mode."""
    def run():
        with torch.inference_mode():
            return _forward(model, task, inputs, samples)
    return run


def measure(cfg: Config, shape: Optional[Tuple[int, int]] = None, skip_speed: bool = False,
            repeats: int = 5, device: str = 'cpu') -> dict:
    model = build_model(cfg, init=False).eval()
    result = dict(config=cfg.filename, task=task_of(cfg), params=count_params(model))
    if skip_speed:
        return result
    shape = tuple(shape or default_shape(cfg))
    task = result['task']
    inputs, samples = dummy_batch(cfg, shape)
    if task == 'action' and is_long_video(cfg):
        # one sample is one whole video (M clips + N static frames), tested as one view
        result.update(long_video_sampling(cfg), test_views=1, flops_per='video')
    elif task == 'action':
        views = video_test_views(cfg)
        result.update(clip_len=views['clip_len'], test_views=views['clips'] * views['crops'],
                      flops_per='view')
    model.to(device)
    inputs = inputs.to(device)
    run = tensor_forward(model, task, inputs, samples)
    # Memory with the first calls: the process's peak resident set only grows, so it must
    # be read before any other forward has raised it.
    with torch.inference_mode(), peak_memory(device) as peak:
        times, _ = time_calls(run, repeats, device=device)
    result['latency_ms'] = statistics.median(times)
    result['peak_mem_mb'] = peak['mb']
    # Last: the video network is counted on the meta device, which takes its weights away.
    # ``flops`` holds MACs: the papers' "FLOPs", the name tools/benchmark.py --json keeps.
    count = meta_macs if task == 'action' else count_macs
    result.update(shape=list(shape), flops=count(model, task, inputs, samples))
    result['device'] = device
    return result
